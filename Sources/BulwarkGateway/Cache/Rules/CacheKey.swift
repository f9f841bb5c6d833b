import NIOHTTP1

/// Cache keys (RFC 9111 §2, §4.1): a primary key for the target URI, and a variant key for `Vary`.
///
/// Every part is length-prefixed (`<byte count>:<bytes>`), and an absent part is written `-`, so two different
/// inputs never give the same key whatever characters the parts contain.
///
/// ```swift
/// let primary = CacheKey.primary(method: .GET, scheme: "https", host: "Example.com:443", path: "/a", query: "x=1")
/// // "GET|5:https|11:example.com|2:/a|3:x=1"
/// let key = CacheKey.variant(primary: primary, varyNames: ["accept-encoding"], requestHeaders: head.headers)
/// ```
enum CacheKey {
    /// The primary key of a request.
    ///
    /// - Parameters:
    ///   - method: HEAD counts as GET (a HEAD can be answered from a stored GET response).
    ///   - scheme: `http` or `https`, any case.
    ///   - host: the authority's host and optional port; lower-cased, and `:80` (http) / `:443` (https) removed.
    ///   - path: the canonical path, used as is.
    ///   - query: the query without `?`, used as is; `nil` (no `?`) differs from `""` (a bare `?`).
    static func primary(method: HTTPMethod, scheme: String, host: String, path: String, query: String?) -> String {
        let methodName = method == .HEAD ? "GET" : method.rawValue
        let scheme = scheme.lowercased()
        return [methodName, part(scheme), part(Self.host(host, scheme: scheme)), part(path), query.map(part) ?? "-"].joined(separator: "|")
    }

    /// A host as keys hold it: lower-cased, without the scheme's default port (`:80` for http, `:443`
    /// for https; either, when `scheme` is nil).
    static func host(_ host: String, scheme: String?) -> String {
        var host = host.lowercased()
        let defaultPorts = switch scheme?.lowercased() {
        case "http"?: [":80"]
        case "https"?: [":443"]
        case nil: [":80", ":443"]
        default: [String]()
        }
        for port in defaultPorts where host.hasSuffix(port) { host.removeLast(port.count) }
        return host
    }

    /// The variant key: the primary key plus, for each vary name, the request's value of that field.
    ///
    /// Names are compared case-insensitively and deduplicated; their order does not matter. A field's lines are
    /// trimmed of OWS and joined with `", "`. An absent field (`-`) differs from an empty one (`0:`).
    static func variant(primary: String, varyNames: [String], requestHeaders: HTTPHeaders) -> String {
        let names = Set(varyNames.map { $0.lowercased() }).sorted()
        var key = primary + "|vary \(names.count)"
        for name in names {
            let lines = requestHeaders[name]
            let value = lines.isEmpty ? "-" : part(lines.map { String($0.trimmingOWS()) }.joined(separator: ", "))
            key += "|" + part(name) + "=" + value
        }
        return key
    }

    /// `<UTF-8 byte count>:<text>`.
    private static func part(_ text: String) -> String {
        "\(text.utf8.count):\(text)"
    }
}
