/// The pass rules of the framing suite. Each function returns the problems found; none means a pass.
enum FramingVerdict {
    /// Fields a client's `Connection` may never remove (the gateway frames and identifies the request).
    static let protectedFields: Set = [
        "content-length", "transfer-encoding", "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
        "x-forwarded-port", "x-forwarded-prefix", "x-request-id",
    ]
    /// Hop-by-hop fields that must never reach the upstream (RFC 9110 §7.6.1, §7.8).
    static let neverForwarded = ["upgrade", "http2-settings", "keep-alive", "proxy-connection"]

    // MARK: Requests

    static func request(_ item: FramingCase, upstream: [ByteLog.Snapshot], client: ClientTranscript) -> [String] {
        switch item.expected {
        case "reject": return rejected(upstream: upstream, client: client)
        case "forward":
            let problems = forwarded(item, upstream: upstream, client: client)
            if !problems.isEmpty, rejected(upstream: upstream, client: client).isEmpty {
                return ["over-strict (safe, but RFC 9112 accepts this request): the gateway rejected it"] + problems
            }
            return problems
        default:
            let asReject = rejected(upstream: upstream, client: client)
            let asForward = forwarded(item, upstream: upstream, client: client)
            if asReject.isEmpty || asForward.isEmpty { return [] }
            return ["neither rejected (" + asReject.joined(separator: "; ") + ") nor forwarded (" + asForward.joined(separator: "; ") + ")"]
        }
    }

    /// The gateway answered 4xx (or 501/505) itself, closed, and the upstream received nothing.
    static func rejected(upstream: [ByteLog.Snapshot], client: ClientTranscript) -> [String] {
        var problems: [String] = []
        let sent = upstream.flatMap(\.bytes)
        if !sent.isEmpty { problems.append("the upstream received \(sent.count) bytes") }
        if let final = client.firstFinal {
            if !(400..<500).contains(final.status) && final.status != 501 && final.status != 505 {
                problems.append("the client got \(final.status), not a 4xx from the gateway")
            }
        } else {
            problems.append("the client got no complete response")
        }
        if !client.closedByGateway { problems.append("the gateway did not close the connection") }
        return problems
    }

    /// The upstream received exactly one well-formed request carrying the client's body, and the client
    /// got the upstream's answer.
    static func forwarded(_ item: FramingCase, upstream: [ByteLog.Snapshot], client: ClientTranscript) -> [String] {
        let strict = item.expected == "forward"
        let sent: WireRequest
        do {
            sent = try WireRequest.parse(item.bytes, strict ? .strictClient : .lenientClient)
        } catch {
            return ["the client's request is not forwardable as read \(strict ? "strictly" : "leniently") (\(error))"]
        }
        var problems: [String] = []
        var received: [WireRequest] = []
        for (number, connection) in upstream.enumerated() {
            var index = 0
            while index < connection.bytes.count {
                do {
                    let request = try WireRequest.parse(connection.bytes, from: index, .upstream)
                    received.append(request)
                    index += request.length
                } catch {
                    problems.append("upstream connection \(number + 1): \(error == .incomplete ? "ends inside a request" : "malformed request: \(error)")")
                    break
                }
            }
        }
        if received.count != 1 { problems.append("the upstream received \(received.count) well-formed requests, not exactly 1") }
        if let request = received.first { problems += compare(request, with: sent) }
        guard let final = client.firstFinal else { return problems + ["the client got no complete response"] }
        let body = sent.method == "HEAD" ? "" : "ok"
        if final.status != 200 || final.body != Array(body.utf8) {
            problems.append("the client got \(final.status) \"\(final.bodyText)\", not the upstream's 200 \"\(body)\"")
        }
        if sent.minorVersion == 0, client.responses.contains(where: \.isInterim) {
            problems.append("a 1xx response went to an HTTP/1.0 client (RFC 9110 §15.2)")
        }
        if sent.suspectFraming, !client.closedByGateway {
            problems.append("a request with suspect framing (Content-Length and Transfer-Encoding, or Transfer-Encoding in HTTP/1.0) was served but the connection stayed open (RFC 9112 §6.1)")
        }
        return problems
    }

    private static func compare(_ request: WireRequest, with sent: WireRequest) -> [String] {
        var problems: [String] = []
        if request.method != sent.method { problems.append("method \(request.method), sent \(sent.method)") }
        if request.target != sent.originTarget { problems.append("target \"\(request.target)\", expected \"\(sent.originTarget)\"") }
        if request.body != sent.body {
            problems.append("body \"\(WireBytes.escaped(request.body, limit: 120))\", the client sent \"\(WireBytes.escaped(sent.body, limit: 120))\"")
        }
        if let authority = sent.authority, let clientHost = sent.values("host").first,
           clientHost.lowercased() != authority.lowercased(), request.values("host").first?.lowercased() == clientHost.lowercased() {
            problems.append("forwarded Host \"\(clientHost)\", which the absolute-form target overrides (RFC 9112 §3.2.2)")
        }
        let named = WireParser.listElements(sent.values("connection")).map { $0.lowercased() }
            .filter { $0 != "close" && $0 != "keep-alive" && !protectedFields.contains($0) }
        for name in Set(named + neverForwarded).sorted() where !request.values(name).isEmpty {
            problems.append("hop-by-hop field \(name) was forwarded")
        }
        for name in ["X-Forwarded-For", "X-Request-ID"] where request.values(name).isEmpty {
            problems.append("\(name) is missing upstream")
        }
        return problems
    }

    // MARK: Responses

    /// `first` is the client's exchange with the scripted response; `second` a plain request after it.
    static func response(
        _ item: FramingCase, method: String, first: ClientTranscript, second: ClientTranscript, upstreamClosed: Bool
    ) -> [String] {
        var problems: [String]
        switch item.expected {
        case "502": problems = badGateway(first, upstreamClosed: upstreamClosed, orAbort: false)
        case "502-or-abort": problems = badGateway(first, upstreamClosed: upstreamClosed, orAbort: true)
        case "forward", "forward-until-close": problems = relayed(item, method: method, client: first)
        default:
            let asError = badGateway(first, upstreamClosed: upstreamClosed, orAbort: false)
            let asForward = relayed(item, method: method, client: first)
            problems = asError.isEmpty || asForward.isEmpty ? [] : ["neither a 502 (" + asError.joined(separator: "; ") + ") nor relayed (" + asForward.joined(separator: "; ") + ")"]
        }
        if second.firstFinal?.status != 200 || second.firstFinal?.body != Array("ok".utf8) {
            problems.append("the next request through the gateway did not get the upstream's 200 \"ok\": \(second.summary)")
        }
        return problems
    }

    private static func badGateway(_ client: ClientTranscript, upstreamClosed: Bool, orAbort: Bool) -> [String] {
        var problems: [String] = []
        if let final = client.firstFinal {
            if final.status != 502 { problems.append("the client got \(final.status), not 502") }
        } else if !(orAbort && client.closedByGateway && !client.bytes.isEmpty) {
            problems.append(orAbort ? "the client got neither a 502 nor a cut-off response" : "the client got no complete response")
        }
        if !upstreamClosed { problems.append("the gateway kept the upstream connection open") }
        return problems
    }

    private static func relayed(_ item: FramingCase, method: String, client: ClientTranscript) -> [String] {
        let (responses, problem) = WireResponse.parseAll(item.bytes, methods: [method], atEnd: true, .lenientClient)
        guard let expected = responses.first(where: { !$0.isInterim }), problem == nil else {
            return ["the scripted response cannot be relayed as read leniently (\(problem.map(String.init(describing:)) ?? "no final response"))"]
        }
        guard let final = client.firstFinal else { return ["the client got no complete response"] }
        var problems: [String] = []
        if final.status != expected.status || final.body != expected.body {
            problems.append("the client got \(final.status) \"\(final.bodyText)\", expected \(expected.status) \"\(expected.bodyText)\"")
        }
        if final.status == 204, !final.values("content-length").isEmpty {
            problems.append("a 204 went to the client with Content-Length (RFC 9110 §8.6)")
        }
        return problems
    }
}
