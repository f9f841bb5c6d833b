import BulwarkConfig
import NIOHTTP1

/// How a request's body is framed, as the gateway read it: the upstream request is framed from this,
/// never from what is left of the client's headers.
enum RequestBodyFraming: Equatable {
    case none
    case length(Int)
    case chunked

    var hasBody: Bool {
        switch self {
        case .none: false
        case .length(let length): length > 0
        case .chunked: true
        }
    }
}

/// A request the gateway refuses before it reaches any upstream; the connection is closed after it.
struct RequestRejection: Error, Equatable {
    let status: HTTPResponseStatus
    let message: String
}

/// What the gateway decided about a request head before routing it.
struct VettedRequest: Equatable {
    /// How the body is framed.
    var framing: RequestBodyFraming
    /// The canonical origin-form target (path and query) routed on, limited on and forwarded.
    var target: String
    /// The `Host` to forward (from an absolute-form target when there was one).
    var host: String?
    /// Whether the target was in absolute form (its authority replaces `Host`).
    var absoluteForm = false
    /// What the `Connection` fields say.
    var connection: HopByHopHeaders.ConnectionOptions
    /// `Expect: 100-continue` was sent.
    var expectsContinue = false
    /// An `Upgrade` was asked for (and is dropped): the decoder stops after such a request, so the
    /// connection closes after the response.
    var upgradeDropped = false

    /// The path part of ``target``.
    var path: Substring {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
    }

    /// The query of ``target`` without its `?`; nil when there is no `?`.
    var query: Substring? {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[target.index(after: $0)...] }
    }
}

/// The checks every request head passes before anything else sees it (RFC 9112 §3, §6, §7; RFC 9110
/// §7.6.1, §10.1.1). Pure: a head and the limits in, a decision out.
enum RequestVetting {
    /// The limits the checks apply.
    struct Limits: Equatable {
        var maxHeaderCount = ServerSettings.Defaults.maxHeaderCount
        var pathEscapes = ServerSettings.Defaults.pathEscapes
    }

    static func vet(_ head: HTTPRequestHead, limits: Limits) -> Result<VettedRequest, RequestRejection> {
        func reject(_ status: HTTPResponseStatus, _ message: String) -> Result<VettedRequest, RequestRejection> {
            .failure(RequestRejection(status: status, message: message))
        }
        if head.headers.count > limits.maxHeaderCount {
            return reject(.requestHeaderFieldsTooLarge, "too many header fields: \(head.headers.count) (limit \(limits.maxHeaderCount))")
        }
        var firstHost: String?
        var hostCount = 0
        var lengths: [Substring] = []
        var codings: [Substring] = []
        var expectations: [String] = []
        var upgrade = false
        var connection = HopByHopHeaders.ConnectionOptions()
        for (name, value) in head.headers {
            switch HeaderName.of(name) {
            case .connection: connection.add(value)
            case .host:
                hostCount += 1
                if firstHost == nil { firstHost = value }
            case .contentLength: lengths.append(contentsOf: value.split(separator: ",", omittingEmptySubsequences: false))
            case .transferEncoding: codings.append(contentsOf: value.split(separator: ",", omittingEmptySubsequences: false))
            case .expect: expectations.append(value)
            case .hopByHop where name.utf8.count == 7 && name.lowercased() == "upgrade": upgrade = true
            default: break
            }
        }
        if head.method == .CONNECT { return reject(.methodNotAllowed, "CONNECT is not supported") }
        // Target: origin form, or absolute form (its authority replaces Host, RFC 9112 §3.2.2).
        var target = Substring(head.uri)
        var host = firstHost
        var absoluteForm = false
        if target == "*" {
            return reject(.badRequest, "asterisk-form request targets are not served")
        }
        if !target.hasPrefix("/") {
            guard let (authority, rest) = splitAbsoluteForm(target) else {
                return reject(.badRequest, "malformed request target")
            }
            host = authority
            target = rest
            absoluteForm = true
        }
        if head.version.major == 1, head.version.minor >= 1, hostCount == 0 {
            return reject(.badRequest, "an HTTP/1.1 request must carry a Host header")
        }
        if hostCount > 1 { return reject(.badRequest, "more than one Host header") }
        if let host, !isValidHost(host) { return reject(.badRequest, "malformed Host header") }
        // Framing.
        var framing = RequestBodyFraming.none
        if !codings.isEmpty {
            if !lengths.isEmpty {
                return reject(.badRequest, "ambiguous framing: a request must not carry both Content-Length and Transfer-Encoding")
            }
            // Empty list elements are ignored (RFC 9110 §5.6.1).
            let tokens = codings.map { $0.trimmingCharacters().lowercased() }.filter { !$0.isEmpty }
            guard tokens.last == "chunked", tokens.filter({ $0 == "chunked" }).count == 1 else {
                return reject(.badRequest, "malformed Transfer-Encoding: chunked must be the last coding, once")
            }
            guard tokens.count == 1 else {
                return reject(.notImplemented, "unsupported transfer coding \(tokens.dropLast().joined(separator: ", "))")
            }
            framing = .chunked
        } else if !lengths.isEmpty {
            let values = lengths.map { $0.trimmingCharacters() }
            // 1*DIGIT (RFC 9110 §8.6): leading zeros are legal; more than 18 significant digits is not a length.
            let significant = values.first.map { $0.drop { $0 == "0" } } ?? ""
            guard let first = values.first, values.allSatisfy({ $0 == first }),
                  !first.isEmpty, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), significant.utf8.count <= 18,
                  let length = Int(significant.isEmpty ? "0" : significant) else {
                return reject(.badRequest, "malformed Content-Length")
            }
            framing = .length(length)
        }
        if head.method == .TRACE, framing.hasBody { return reject(.badRequest, "a TRACE request must not carry a body") }
        // Connection options and expectations.
        if connection.tooMany {
            return reject(.badRequest, "Connection names more than \(HopByHopHeaders.maximumConnectionOptions) options")
        }
        var expectsContinue = false
        for expectation in expectations {
            guard Substring(expectation).trimmingCharacters().lowercased() == "100-continue" else {
                return reject(.expectationFailed, "unsupported expectation")
            }
            // An HTTP/1.0 client gets no 1xx: its expectation is ignored (RFC 9110 §10.1.1, §15.2).
            expectsContinue = head.version.major > 1 || head.version.minor >= 1
        }
        // Path.
        switch PathCanonicalizer.canonicalize(target, escapes: limits.pathEscapes) {
        case .rejected(let reason):
            return reject(.badRequest, reason)
        case .canonical(let canonical):
            return .success(VettedRequest(
                framing: framing, target: canonical, host: host, absoluteForm: absoluteForm, connection: connection,
                expectsContinue: expectsContinue, upgradeDropped: upgrade
            ))
        }
    }

    /// `http://authority/path?q` → (authority, "/path?q"); nil when not an http(s) absolute URI.
    static func splitAbsoluteForm(_ target: Substring) -> (String, Substring)? {
        let lowered = target.prefix(8).lowercased()
        let schemeLength: Int
        if lowered.hasPrefix("http://") { schemeLength = 7 } else if lowered.hasPrefix("https://") { schemeLength = 8 } else { return nil }
        let rest = target.dropFirst(schemeLength)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var path = rest[authorityEnd...]
        if path.first == "?" { path = Substring("/" + path) } else if path.isEmpty { path = "/" }
        return (String(authority), path)
    }

    /// A `Host` value: a reg-name, IPv4 or bracketed IPv6 literal, with an optional port (RFC 3986 §3.2.2).
    static func isValidHost(_ value: String) -> Bool {
        guard value.utf8.count <= 255 else { return false }
        return value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"),
                 UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "%"): true
            default: false
            }
        }
    }
}
