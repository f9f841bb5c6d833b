import Yams

/// `upstreams.NAME.credentials`.
extension ConfigReader {
    mutating func readCredentials(_ node: Node, at path: String) -> UpstreamCredentialsSettings? {
        let keys = ["oauth2_client_credentials", "renew_before", "pass_client_authorization", "header", "value"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return nil }
        let oauth = entries["oauth2_client_credentials"]
        let header = entries["header"]
        switch (oauth, header) {
        case (nil, nil):
            report(path, "needs oauth2_client_credentials: {...} or header: NAME with value: ...")
            return nil
        case (.some, .some):
            report(path, "has both oauth2_client_credentials and header: choose one")
            return nil
        case (nil, .some(let headerNode)):
            for key in ["renew_before", "pass_client_authorization"] where entries[key] != nil {
                report("\(path).\(key)", "applies to oauth2_client_credentials only")
            }
            guard let name = string(headerNode, at: "\(path).header") else { return nil }
            if let problem = Self.headerNameProblem(name) {
                report("\(path).header", problem)
                return nil
            }
            guard let value = string(entries["value"], at: "\(path).value"), !value.isEmpty else {
                report("\(path).value", "missing: the header's value, e.g. ${API_KEY}")
                return nil
            }
            if value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                report("\(path).value", "must be one line (no CR, LF or NUL)")
                return nil
            }
            return .header(name: name, value: SecretText(value))
        case (.some(let oauthNode), nil):
            if entries["value"] != nil { report("\(path).value", "goes with header:, not oauth2_client_credentials") }
            guard var settings = readOAuth2(oauthNode, at: "\(path).oauth2_client_credentials") else { return nil }
            if let text = string(entries["renew_before"], at: "\(path).renew_before") {
                if let lead = Self.renewalLead(text) { settings.renewBefore = lead } else {
                    report("\(path).renew_before", "must be a duration such as 1h or a percentage of the token's lifetime such as 10% (below 100%), got '\(text)'")
                }
            }
            if let value = bool(entries["pass_client_authorization"], at: "\(path).pass_client_authorization") { settings.passClientAuthorization = value }
            return .oauth2ClientCredentials(settings)
        }
    }

    private mutating func readOAuth2(_ node: Node, at path: String) -> OAuth2ClientCredentialsSettings? {
        let keys = ["token_url", "client_id", "client_secret", "auth_method", "scope", "audience", "default_lifetime", "ca"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return nil }
        let url = string(entries["token_url"], at: "\(path).token_url")
        let id = string(entries["client_id"], at: "\(path).client_id")
        let secret = string(entries["client_secret"], at: "\(path).client_secret")
        if url == nil { report("\(path).token_url", "missing: the token endpoint, e.g. https://auth.vendor.com/oauth/token") }
        if id == nil { report("\(path).client_id", "missing") }
        if secret == nil { report("\(path).client_secret", "missing, e.g. ${VENDOR_SECRET}") }
        if let url, !(url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://")) || url.contains(where: \.isWhitespace) {
            report("\(path).token_url", "must be an http:// or https:// URL", about: url)
        }
        guard let url, let id, let secret, !id.isEmpty else {
            if id?.isEmpty == true { report("\(path).client_id", "must not be empty") }
            return nil
        }
        var settings = OAuth2ClientCredentialsSettings(tokenURL: url, clientID: id, clientSecret: SecretText(secret))
        if let text = string(entries["auth_method"], at: "\(path).auth_method") {
            if let method = OAuth2ClientCredentialsSettings.AuthMethod(rawValue: text) { settings.authMethod = method } else {
                report("\(path).auth_method", "must be 'basic' (RFC 6749 §2.3.1) or 'post', got '\(text)'")
            }
        }
        settings.scope = string(entries["scope"], at: "\(path).scope")
        settings.audience = string(entries["audience"], at: "\(path).audience")
        if let value = duration(entries["default_lifetime"], at: "\(path).default_lifetime", minimum: .seconds(1)) { settings.defaultLifetime = value }
        if let ca = string(entries["ca"], at: "\(path).ca") {
            if ca.trimmingWhitespace().isEmpty { report("\(path).ca", "must be a file path") } else { settings.ca = ca }
        }
        return settings
    }

    /// `1h` or `10%` (a percentage above 0 and below 100).
    static func renewalLead(_ text: String) -> RenewalLead? {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasSuffix("%") {
            guard let percent = Double(String(trimmed.dropLast()).trimmingWhitespace()), percent > 0, percent < 100 else { return nil }
            return .fraction(percent / 100)
        }
        guard case .success(let duration) = DurationSyntax.parse(trimmed), duration > .zero else { return nil }
        return .duration(duration)
    }
}
