import BulwarkConfig
import NIOHTTP1

/// Who may reach the admin API through a browser, decided from the request's `Host`, `Origin` and
/// `X-Bulwark-Admin` fields alone (a pure value, checked before any endpoint).
///
/// - Without a token (the loopback default), `Host` must name this machine — `127.0.0.1`, `localhost`,
///   `[::1]`, the `admin.listen` address, or a name in `admin.allowed_hosts` — with no port or the
///   admin port; anything else gets 421, which stops DNS rebinding (a page on `evil.example` whose name
///   now resolves to 127.0.0.1 still sends `Host: evil.example:9090`). Every method but GET and HEAD also
///   needs `X-Bulwark-Admin: 1` (403 otherwise): a cross-site form or `fetch` cannot set it without a
///   CORS preflight, which the admin API never grants.
/// - With or without a token, a request other than GET or HEAD whose `Origin` is not the admin's own
///   (`http://` or `https://` followed by the `Host` value) gets 403.
/// - With a token, `Host` is not checked: probes and scrapers address pods by IP.
struct AdminExposure: Sendable, Hashable {
    /// What to do with a request.
    enum Verdict: Sendable, Hashable {
        /// Go on to the endpoint (and the token check).
        case allow
        /// 421: the request was addressed to a name this listener does not answer for.
        case misdirected(String)
        /// 403: a state-changing request that a browser page of another site could have sent.
        case forbidden(String)
    }

    /// The header a token-less state-changing request must carry with the value `1`.
    static let intentHeader = "X-Bulwark-Admin"

    /// Whether a bearer token is configured.
    let tokenRequired: Bool
    /// Names accepted in `Host` without a token: lowercased, IPv6 in brackets.
    let allowedNames: Set<String>

    init(tokenRequired: Bool, settings: AdminSettings) {
        self.tokenRequired = tokenRequired
        var names: Set<String> = ["127.0.0.1", "localhost", "[::1]"]
        let listen = settings.listen.host.lowercased()
        if listen != "0.0.0.0", listen != "::", !listen.isEmpty {
            names.insert(listen.contains(":") ? "[\(listen)]" : listen)
        }
        for host in settings.allowedHosts { names.insert(host.lowercased()) }
        self.allowedNames = names
    }

    /// The verdict for a request with `method` and `headers`, received on `adminPort` (nil when unknown:
    /// then any port is accepted with an allowed name).
    func check(method: HTTPMethod, headers: HTTPHeaders, adminPort: Int?) -> Verdict {
        let hosts = headers["Host"]
        if !tokenRequired {
            guard hosts.count == 1, let (name, port) = Self.split(host: hosts[0]).map({ ($0.name, $0.port) }) else {
                return .misdirected("the admin listener answers only requests with one Host header naming this machine (127.0.0.1, localhost, [::1] or admin.allowed_hosts)")
            }
            guard allowedNames.contains(name) else {
                return .misdirected("Host '\(name)' is not this admin listener: use 127.0.0.1, localhost or [::1], or add the name to admin.allowed_hosts")
            }
            if let port, let adminPort, port != adminPort {
                return .misdirected("Host names port \(port), but the admin listener is on port \(adminPort)")
            }
        }
        guard method != .GET, method != .HEAD else { return .allow }
        let origins = headers["Origin"]
        if !origins.isEmpty {
            let own = hosts.first.map { $0.trimmingASCIIWhitespace().lowercased() }
            let sameOrigin = own.map { host in
                origins.allSatisfy { origin in
                    let origin = origin.trimmingASCIIWhitespace().lowercased()
                    return origin == "http://\(host)" || origin == "https://\(host)"
                }
            } ?? false
            guard sameOrigin else {
                return .forbidden("cross-origin \(method.rawValue) refused: Origin '\(origins[0])' is not this admin listener")
            }
        }
        if !tokenRequired, headers[Self.intentHeader].map({ $0.trimmingASCIIWhitespace() }) != ["1"] {
            return .forbidden("\(method.rawValue) without a token needs the header '\(Self.intentHeader): 1' (the dashboard sends it)")
        }
        return .allow
    }

    /// `name[:port]` or `[v6][:port]` → (lowercased name, port); nil when malformed.
    static func split(host value: String) -> (name: String, port: Int?)? {
        let text = value.trimmingASCIIWhitespace().lowercased()
        var name = Substring(text)
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = text[...close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !name.isEmpty else { return nil }
        guard let portText else { return (String(name), nil) }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65_535).contains(port) else { return nil }
        return (String(name), port)
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
