/// Where `server.redirect_http` sends a plain-HTTP request: the same host and path on https, on the
/// HTTPS listener's port (left out when it is 443).
enum HTTPSRedirect {
    /// The `Location` for a request with `Host: host` and request target `target`, or nil when either
    /// cannot be trusted into a URL (no host, a host with characters no name has, a target that is not a
    /// path).
    static func location(host: String?, target: String, httpsPort: Int) -> String? {
        guard let host, let name = hostName(host), target.hasPrefix("/"), !target.hasPrefix("//"),
              target.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        let port = httpsPort == 443 ? "" : ":\(httpsPort)"
        return "https://\(name)\(port)\(target)"
    }

    /// The host of a `Host` value without its port: a DNS name or IPv4 address, or a bracketed IPv6 one.
    static func hostName(_ value: String) -> String? {
        // Optional whitespace around a field value is spaces and tabs (RFC 9110 §5.6.3).
        let value = Substring(value).trimmingCharacters()
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            let inside = value[value.index(after: value.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            return "[\(inside)]"
        }
        let name = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard !name.isEmpty, name.count <= 253,
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." })
        else { return nil }
        return name.lowercased()
    }
}
