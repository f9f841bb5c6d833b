#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides, from the URL text alone, whether `bulwark bench` may load a target.
///
/// Load goes only where the user points it. Without `--allow-remote` the host must be one of these
/// literals: `localhost` (any case), a plain dotted-quad IPv4 address in `127.0.0.0/8`, or the IPv6
/// loopback `[::1]` (in any spelling, e.g. `[0:0:0:0:0:0:0:1]`). The check never resolves a name and
/// never opens a socket, so `localhost.example.com` or `127.0.0.1.nip.io` are refused whatever they
/// resolve to. Numeric hosts in other forms (`127.1`, `0177.0.0.1`, `0x7f.0.0.1`, `2130706433`) are
/// refused as ambiguous: tools disagree on what they mean. User information (`user@host`) is refused
/// with or without `--allow-remote`, so `http://127.0.0.1@evil.example/` cannot pass for loopback.
///
/// ```swift
/// TargetAddressCheck.check("http://127.0.0.1:8080/api", allowRemote: false)   // success: 127.0.0.1, 8080, /api
/// TargetAddressCheck.check("http://10.0.0.5/", allowRemote: false)            // failure: .notLoopback
/// ```
public enum TargetAddressCheck {
    /// The target `url` names, or why it is refused.
    /// - Parameters:
    ///   - url: `http://HOST[:PORT][/PATH][?QUERY]`; the port defaults to 80, the path to `/`.
    ///   - allowRemote: whether hosts other than the loopback literals are allowed (`--allow-remote`).
    public static func check(_ url: String, allowRemote: Bool) -> Result<BenchTarget, TargetRefusal> {
        let text = trimmed(url)
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            return refuse(.unsupportedScheme, "https:// targets are not supported yet: use http://, e.g. http://127.0.0.1:8080")
        }
        guard lower.hasPrefix("http://") else {
            if let separator = lower.firstRange(of: "://") {
                let scheme = lower[..<separator.lowerBound]
                return refuse(.unsupportedScheme, "'\(scheme)://' targets are not supported: use an http:// URL such as http://127.0.0.1:8080")
            }
            return refuse(.malformed, "expected an http:// URL such as http://127.0.0.1:8080/api, got '\(text)'")
        }
        if text.contains(where: { $0.isWhitespace || $0 == "\\" || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
            return refuse(.malformed, "'\(text)' holds a space, a backslash or a control character: percent-encode it in the path")
        }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { !"/?#".contains($0) }
        let tail = rest.dropFirst(authority.count)
        if tail.contains("#") { return refuse(.malformed, "'\(text)' has a fragment (#…), which is never sent: remove it") }
        if authority.contains("@") {
            return refuse(.userInfo, "'\(text)' holds user information before '@', so its host is what follows the '@': write http://HOST[:PORT][/PATH]")
        }
        let parts: (host: Substring, port: Substring?, bracketed: Bool)
        switch split(authority) {
        case .success(let split): parts = split
        case .failure(let refusal): return .failure(refusal)
        }
        guard !parts.host.isEmpty else { return refuse(.malformed, "'\(text)' has no host, e.g. http://127.0.0.1:8080") }
        var port = 80
        if let portText = parts.port {
            guard portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portText), (1...65_535).contains(value) else {
                return refuse(.malformed, "'\(text)' has no valid port (1–65535)")
            }
            port = value
        }
        let host = String(parts.host)
        let pathAndQuery = tail.isEmpty ? "/" : tail.hasPrefix("?") ? "/" + tail : String(tail)
        let target = BenchTarget(host: host, port: port, pathAndQuery: pathAndQuery, hostHeader: String(authority))

        let loopback: Bool
        if parts.bracketed {
            guard let bytes = ipv6Bytes(host) else { return refuse(.malformed, "'[\(host)]' is not an IPv6 address") }
            loopback = bytes == Array(repeating: 0, count: 15) + [1]
        } else {
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) else {
                return refuse(.malformed, "'\(host)' is not a host name or IP address (letters, digits, '-', '.' and '_'; an IPv6 address goes in brackets)")
            }
            if let octets = dottedQuad(host) {
                loopback = octets[0] == 127
            } else if looksNumeric(host) {
                guard allowRemote else {
                    return refuse(.ambiguousAddress, "'\(host)' is not a plain dotted-quad IPv4 address (four decimal numbers 0–255 without leading zeros): shortened, octal and hexadecimal forms are refused because tools disagree on what they mean; write e.g. 127.0.0.1, or pass --allow-remote")
                }
                loopback = false
            } else {
                loopback = host.lowercased() == "localhost"
            }
        }
        guard loopback || allowRemote else {
            return refuse(.notLoopback, "'\(parts.bracketed ? "[\(host)]" : host)' is not a loopback address: bulwark bench loads only localhost, 127.0.0.0/8 and [::1] (written as literals; no name is looked up) unless you pass --allow-remote — load only servers you are responsible for")
        }
        return .success(target)
    }

    /// `host` and optional port of an authority; an IPv6 host in brackets is returned without them.
    private static func split(_ authority: Substring) -> Result<(host: Substring, port: Substring?, bracketed: Bool), TargetRefusal> {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return refuse(.malformed, "'\(authority)' has an IPv6 address without its closing ']'") }
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { return refuse(.malformed, "'\(authority)' has no valid host and port, e.g. [::1]:8080") }
            return .success((authority[authority.index(after: authority.startIndex)..<close], after.isEmpty ? nil : after.dropFirst(), true))
        }
        guard let colon = authority.firstIndex(of: ":") else { return .success((authority, nil, false)) }
        let port = authority[authority.index(after: colon)...]
        if port.contains(":") { return refuse(.malformed, "an IPv6 address goes in brackets, as in http://[::1]:8080, got '\(authority)'") }
        return .success((authority[..<colon], port, false))
    }

    /// The four octets of a strict dotted quad: four decimal numbers 0–255, no leading zeros.
    static func dottedQuad(_ host: String) -> [Int]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0", let value = Int(part), value <= 255
            else { return nil }
            octets.append(value)
        }
        return octets
    }

    /// Whether `host` may be read as a number by some IPv4 parser (`127.1`, `0x7f.1`, `2130706433`):
    /// it starts with a digit and holds only hexadecimal digits, `x` and dots.
    private static func looksNumeric(_ host: String) -> Bool {
        guard let first = host.first, first.isASCII, first.isNumber else { return false }
        return host.allSatisfy { $0.isHexDigit || $0 == "x" || $0 == "X" || $0 == "." }
    }

    /// The 16 bytes of an IPv6 literal, parsed by `inet_pton` (which never resolves a name).
    private static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        let parsed = text.withCString { inet_pton(AF_INET6, $0, &address) }
        guard parsed == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    private static func refuse<T>(_ code: TargetRefusal.Code, _ message: String) -> Result<T, TargetRefusal> {
        .failure(TargetRefusal(code, message))
    }
}
