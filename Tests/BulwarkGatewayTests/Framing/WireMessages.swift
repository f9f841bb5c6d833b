/// A request read by ``WireParser``.
struct WireRequest: Sendable {
    var method: String
    /// The target as sent.
    var target: String
    /// The target in origin-form (`*` stays `*`; absolute-form gives its path and query).
    var originTarget: String
    /// The authority of an absolute-form target.
    var authority: String?
    var minorVersion: Int
    var fields: [WireField]
    var body: [UInt8]
    /// The framing may be served only with a close afterwards (RFC 9112 §6.1; lenient reading only).
    var suspectFraming: Bool
    /// Bytes the request took.
    var length: Int

    func values(_ name: String) -> [String] { WireParser.values(fields, name.lowercased()) }

    /// Parses one request from the start of `bytes`.
    static func parse(_ bytes: [UInt8], from start: Int = 0, _ syntax: WireSyntax) throws(WireError) -> WireRequest {
        var cursor = WireCursor(bytes, at: start)
        var line = try cursor.line(syntax)
        while syntax.lenient && line.isEmpty { line = try cursor.line(syntax) }  // RFC 9112 §2.2
        let (method, target, minor) = try requestLine(line, syntax)
        let (originTarget, authority) = try RequestTarget.check(target, method: method, syntax)
        let fields = try WireParser.fields(&cursor, syntax, afterStartLine: true)
        let hosts = WireParser.values(fields, "host")
        if hosts.count > 1 { throw .invalid("\(hosts.count) Host fields") }
        if minor == 1 && hosts.isEmpty { throw .invalid("HTTP/1.1 request without Host") }
        if let host = hosts.first, !RequestTarget.isValidHost(host) { throw .invalid("invalid Host \"\(host)\"") }
        let (framing, suspect) = try WireParser.framing(fields, syntax, isRequest: true, http10: minor == 0)
        let body = try WireParser.content(&cursor, framing, atEnd: false)
        return WireRequest(
            method: method, target: target, originTarget: originTarget, authority: authority, minorVersion: minor,
            fields: fields, body: body, suspectFraming: suspect, length: cursor.index - start
        )
    }

    private static func requestLine(_ line: [UInt8], _ syntax: WireSyntax) throws(WireError) -> (String, String, Int) {
        let parts: [ArraySlice<UInt8>]
        if syntax.lenient {  // RFC 9112 §3: any whitespace may separate the three parts
            parts = line.split { $0 == WireBytes.sp || $0 == WireBytes.htab || $0 == 0x0B || $0 == 0x0C }
        } else {
            parts = line.split(separator: WireBytes.sp, omittingEmptySubsequences: false)
        }
        guard parts.count == 3 else { throw .invalid("request line \"\(WireBytes.escaped(line, limit: 80))\" is not method SP target SP version") }
        guard WireBytes.isToken(parts[0]) else { throw .invalid("invalid method \"\(WireBytes.escaped(parts[0]))\"") }
        let version = Array(parts[2])
        guard version.count == 8, version.starts(with: Array("HTTP/1.".utf8)), WireBytes.isDigit(version[7]) else {
            throw .invalid("unsupported version \"\(WireBytes.escaped(version))\"")
        }
        let minor = Int(version[7] - 0x30)
        guard minor <= 1 || syntax.lenient else { throw .invalid("HTTP/1.\(minor)") }
        return (WireBytes.latin1(parts[0]), WireBytes.latin1(parts[1]), min(minor, 1))
    }
}

/// A response read by ``WireParser``.
struct WireResponse: Sendable {
    var status: Int
    var fields: [WireField]
    var body: [UInt8]
    var length: Int

    var isInterim: Bool { status < 200 }
    func values(_ name: String) -> [String] { WireParser.values(fields, name.lowercased()) }
    var bodyText: String { WireBytes.escaped(body) }

    /// Parses one response (interim or final) from `start`. `method` is the request's; `atEnd` says the
    /// connection closed after the last byte in `bytes`.
    static func parse(_ bytes: [UInt8], from start: Int = 0, method: String, atEnd: Bool, _ syntax: WireSyntax) throws(WireError) -> WireResponse {
        var cursor = WireCursor(bytes, at: start)
        let line = try cursor.line(syntax)
        let text = WireBytes.latin1(line)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
              parts[1].count == 3, parts[1].utf8.allSatisfy(WireBytes.isDigit), let status = Int(parts[1]) else {
            throw .invalid("status line \"\(WireBytes.escaped(line, limit: 80))\"")
        }
        if parts.count == 2 && !syntax.lenient { throw .invalid("status line without SP after the code") }
        let fields = try WireParser.fields(&cursor, syntax, afterStartLine: true)
        var framing = WireParser.Framing.none
        if status >= 200 && status != 204 && status != 304 && method != "HEAD" {  // RFC 9112 §6.3 rule 1
            framing = try WireParser.framing(fields, syntax, isRequest: false, http10: parts[0] == "HTTP/1.0").0
        }
        let body = try WireParser.content(&cursor, framing, atEnd: atEnd)
        return WireResponse(status: status, fields: fields, body: body, length: cursor.index - start)
    }

    /// Every response in `bytes` in order (interim ones included), and what stopped the reading: nil when
    /// all bytes were used, else the error for the rest.
    static func parseAll(_ bytes: [UInt8], methods: [String], atEnd: Bool, _ syntax: WireSyntax) -> ([WireResponse], WireError?) {
        var responses: [WireResponse] = []
        var index = 0
        var finals = 0
        while index < bytes.count {
            let method = finals < methods.count ? methods[finals] : "GET"
            do {
                let response = try parse(bytes, from: index, method: method, atEnd: atEnd, syntax)
                responses.append(response)
                index += response.length
                if !response.isInterim { finals += 1 }
            } catch {
                return (responses, error)
            }
        }
        return (responses, nil)
    }
}

/// Request-target forms (RFC 9112 §3.2) and Host values (RFC 9110 §7.2).
enum RequestTarget {
    /// Returns the origin-form of `target` and, for absolute-form, its authority.
    static func check(_ target: String, method: String, _ syntax: WireSyntax) throws(WireError) -> (String, String?) {
        if target == "*" {
            guard method == "OPTIONS" else { throw .invalid("asterisk-form with \(method)") }
            return ("*", nil)
        }
        if target.hasPrefix("/") {
            guard isOriginForm(target) else { throw .invalid("invalid origin-form target \"\(target)\"") }
            return (target, nil)
        }
        guard syntax.allowAbsoluteForm, let schemeEnd = target.range(of: "://"),
              let first = target.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
              target[..<schemeEnd.lowerBound].unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || "0123456789+-.".unicodeScalars.contains($0)) })
        else { throw .invalid("target \"\(target)\" is not origin-form (absolute-form: \(syntax.allowAbsoluteForm))") }
        let rest = target[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            guard syntax.lenient else { throw .invalid("userinfo in \"\(target)\" (RFC 9110 §4.2.4)") }
            authority = String(authority[authority.index(after: at)...])
        }
        guard !authority.isEmpty, isValidHost(authority) else { throw .invalid("invalid authority in \"\(target)\"") }
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        guard isOriginForm(path) else { throw .invalid("invalid path in \"\(target)\"") }
        return (path, authority)
    }

    /// `absolute-path [ "?" query ]`: pchar, "/", "?", and valid percent-escapes; no fragment.
    static func isOriginForm(_ target: String) -> Bool {
        let bytes = Array(target.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, WireBytes.hexValue(bytes[index + 1]) != nil, WireBytes.hexValue(bytes[index + 2]) != nil else { return false }
                index += 3
                continue
            }
            guard isUnreserved(byte) || Array("!$&'()*+,;=:@/?".utf8).contains(byte) else { return false }
            index += 1
        }
        return target.hasPrefix("/")
    }

    /// `uri-host [ ":" port ]` with a reg-name or an IP literal, no userinfo. Empty is allowed.
    static func isValidHost(_ host: String) -> Bool {
        var bytes = Array(host.utf8)
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            guard bytes[1..<close].allSatisfy({ WireBytes.hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
            bytes = Array(bytes[(close + 1)...])
            return bytes.isEmpty || (bytes.first == UInt8(ascii: ":") && bytes.dropFirst().allSatisfy(WireBytes.isDigit))
        }
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            guard bytes[(colon + 1)...].allSatisfy(WireBytes.isDigit) else { return false }
            bytes = Array(bytes[..<colon])
        }
        return bytes.allSatisfy { isUnreserved($0) || $0 == UInt8(ascii: "%") || Array("!$&'()*+,;=".utf8).contains($0) }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
        }
    }
}
