import Yams

/// `server.tls`, `server.redirect_http`, `server.hsts` and the TLS keys of `upstreams.NAME`. Whether the
/// files exist and hold matching keys and certificates is checked where they are loaded (the gateway and
/// `bulwark check`), with the same key paths.
extension ConfigReader {
    static let serverTLSKeys = ["tls", "redirect_http", "hsts"]

    mutating func readServerTLS(_ entries: [String: Node], into server: inout ServerSettings) {
        if let node = entries["tls"] { server.tls = readListenerTLS(node, at: "server.tls") }
        if let address = value(entries["redirect_http"], at: "server.redirect_http", ListenAddress.parse) {
            if entries["tls"] == nil {
                report("server.redirect_http", "needs server.tls: it redirects plain HTTP to the HTTPS listener")
            } else if address == server.listen, address.port != 0 {
                report("server.redirect_http", "must differ from server.listen (\(address))")
            } else {
                server.redirectHTTP = address
            }
        }
        if let age = duration(entries["hsts"], at: "server.hsts", minimum: .seconds(1)) {
            if entries["tls"] == nil {
                report("server.hsts", "needs server.tls: Strict-Transport-Security is sent on HTTPS responses only")
            } else {
                server.hsts = age
            }
        }
    }

    private mutating func readListenerTLS(_ node: Node, at path: String) -> ServerTLSSettings? {
        let keys = ["certificates", "min_version", "client_ca", "client_subject_header", "reload_interval"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return nil }
        var certificates: [CertificateSettings] = []
        if let list = entries["certificates"] {
            if let items = sequence(list, at: "\(path).certificates") {
                if items.isEmpty { report("\(path).certificates", "must list at least one { cert, key }") }
                for (index, item) in items.enumerated() {
                    if let certificate = readCertificate(item, at: "\(path).certificates[\(index)]") { certificates.append(certificate) }
                }
            }
        } else {
            report("\(path).certificates", "missing: list at least one { cert: FILE.pem, key: FILE.key }")
        }
        var settings = ServerTLSSettings(certificates: certificates)
        if let text = string(entries["min_version"], at: "\(path).min_version") {
            if let version = TLSVersion(rawValue: text) { settings.minimumVersion = version } else {
                report("\(path).min_version", "must be \"1.2\" or \"1.3\", got '\(Self.shown(text, at: "\(path).min_version"))'")
            }
        }
        settings.clientCA = filePath(entries["client_ca"], at: "\(path).client_ca")
        if let name = string(entries["client_subject_header"], at: "\(path).client_subject_header") {
            if let problem = Self.headerNameProblem(name) {
                report("\(path).client_subject_header", problem)
            } else if settings.clientCA == nil {
                report("\(path).client_subject_header", "needs client_ca: the subject comes from a verified client certificate")
            } else {
                settings.clientSubjectHeader = name
            }
        }
        if let value = duration(entries["reload_interval"], at: "\(path).reload_interval", minimum: .seconds(1)) { settings.reloadInterval = value }
        return certificates.isEmpty ? nil : settings
    }

    private mutating func readCertificate(_ node: Node, at path: String) -> CertificateSettings? {
        guard let entries = mapping(node, at: path, allowed: ["cert", "key", "hosts"]) else { return nil }
        let certificate = filePath(entries["cert"], at: "\(path).cert")
        let key = filePath(entries["key"], at: "\(path).key")
        if entries["cert"] == nil { report("\(path).cert", "missing: the PEM file with the certificate and its chain") }
        if entries["key"] == nil { report("\(path).key", "missing: the PEM file with the certificate's private key") }
        var hosts: [String] = []
        if let names = stringList(entries["hosts"], at: "\(path).hosts") {
            for (index, name) in names.enumerated() {
                let host = name.trimmingWhitespace().lowercased()
                if host.isEmpty || host.contains(where: { $0.isWhitespace || "/:@".contains($0) }) || host.dropFirst().contains("*") {
                    report("\(path).hosts[\(index)]", "must be a host name such as api.example.com or *.example.com, got '\(name)'")
                } else {
                    hosts.append(host)
                }
            }
        }
        guard let certificate, let key else { return nil }
        return CertificateSettings(certificate: certificate, key: key, hosts: hosts)
    }

    /// `upstreams.NAME.tls`, `.host` and `.resolve_interval`.
    mutating func readUpstreamTLS(_ entries: [String: Node], at path: String, into upstream: inout UpstreamSettings) {
        if let node = entries["tls"], let tls = readUpstreamTLSSettings(node, at: "\(path).tls") {
            upstream.tls = tls
            if !upstream.targets.isEmpty, !upstream.targets.contains(where: { $0.scheme == .https }) {
                report("\(path).tls", "applies to https:// targets only, and every target is http://")
            }
        }
        if let text = string(entries["host"], at: "\(path).host") {
            switch text {
            case "client": upstream.host = .client
            case "target": upstream.host = .target
            default:
                if text.isEmpty || text.contains(where: { $0.isWhitespace || "/@".contains($0) }) {
                    report("\(path).host", "must be 'client', 'target' or a host name such as api.vendor.com, got '\(text)'")
                } else {
                    upstream.host = .literal(text)
                }
            }
        }
        if let value = duration(entries["resolve_interval"], at: "\(path).resolve_interval", minimum: .seconds(1)) { upstream.resolveInterval = value }
    }

    /// The TLS options for an `https://` peer, the mapping at `path` (`upstreams.NAME.tls`,
    /// `health.checks[i].tls`): `ca`, `server_name`, `client_cert`, `client_key`, `verify`. Nil when the
    /// node is not a mapping.
    mutating func readUpstreamTLSSettings(_ node: Node, at path: String) -> UpstreamTLSSettings? {
        guard let tls = mapping(node, at: path, allowed: ["ca", "server_name", "client_cert", "client_key", "verify"]) else { return nil }
        var settings = UpstreamTLSSettings()
        settings.ca = filePath(tls["ca"], at: "\(path).ca")
        if let name = string(tls["server_name"], at: "\(path).server_name") {
            if name.isEmpty || name.contains(where: { $0.isWhitespace || "/:@".contains($0) }) {
                report("\(path).server_name", "must be a host name such as api.vendor.com, got '\(name)'")
            } else {
                settings.serverName = name
            }
        }
        settings.clientCertificate = filePath(tls["client_cert"], at: "\(path).client_cert")
        settings.clientKey = filePath(tls["client_key"], at: "\(path).client_key")
        if (settings.clientCertificate == nil) != (settings.clientKey == nil), tls["client_cert"] != nil || tls["client_key"] != nil {
            report(path, "client_cert and client_key go together: set both or neither")
        }
        if let verify = bool(tls["verify"], at: "\(path).verify") { settings.verify = verify }
        return settings
    }

    /// A non-empty file path (existence is checked where the file is loaded).
    private mutating func filePath(_ node: Node?, at path: String) -> String? {
        guard let text = string(node, at: path) else { return nil }
        if text.trimmingWhitespace().isEmpty {
            report(path, "must be a file path")
            return nil
        }
        return text
    }

    /// Why `name` cannot be a header the gateway sets, or nil when it can.
    static func headerNameProblem(_ name: String) -> String? {
        let token = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSetToken.contains(scalar) )
        }
        guard !name.isEmpty, token else { return "must be a header name such as X-Client-Subject, got '\(name)'" }
        let reserved: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive", "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip"]
        if reserved.contains(name.lowercased()) { return "'\(name)' is set by the gateway or frames the message; choose another name such as X-Client-Subject" }
        return nil
    }
}

/// The characters of an HTTP token (RFC 9110 §5.6.2).
private enum CharacterSetToken {
    static func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": true
        default: false
        }
    }
}
