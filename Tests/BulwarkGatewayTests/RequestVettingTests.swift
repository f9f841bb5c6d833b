import BulwarkConfig
@testable import BulwarkGateway
import NIOHTTP1
import PropertyBased
import Testing

/// The pure checks every request head passes, and the head the gateway builds for the upstream.
@Suite("Request vetting and the upstream head", .timeLimit(.minutes(1)))
struct RequestVettingTests {
    static func head(_ method: HTTPMethod = .GET, _ fields: [(String, String)], uri: String = "/", version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(fields))
    }

    static func vet(_ head: HTTPRequestHead, limits: RequestVetting.Limits = .init()) -> Result<VettedRequest, RequestRejection> {
        RequestVetting.vet(head, limits: limits)
    }

    static func status(_ result: Result<VettedRequest, RequestRejection>) -> UInt? {
        if case .failure(let rejection) = result { return rejection.status.code }
        return nil
    }

    @Test("framing is read from the parsed fields: a length, chunked, or none")
    func framing() throws {
        #expect(try Self.vet(Self.head(.POST, [("Host", "a"), ("Content-Length", "5")])).get().framing == .length(5))
        #expect(try Self.vet(Self.head(.POST, [("Host", "a"), ("Transfer-Encoding", "Chunked")])).get().framing == .chunked)
        #expect(try Self.vet(Self.head(.GET, [("Host", "a")])).get().framing == RequestBodyFraming.none)
    }

    @Test("ambiguous or malformed framing is refused", arguments: [
        ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")], 400),
        ([("Content-Length", "5"), ("Content-Length", "6")], 400),
        ([("Content-Length", "5, 6")], 400),
        ([("Content-Length", "-5")], 400),
        ([("Content-Length", "+5")], 400),
        ([("Content-Length", "99999999999999999999999")], 400),
        ([("Transfer-Encoding", "chunked, identity")], 400),
        ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")], 400),
        ([("Transfer-Encoding", "identity")], 400),
        ([("Transfer-Encoding", "gzip, chunked")], 501),
    ] as [([(String, String)], UInt)])
    func badFraming(fields: [(String, String)], expected: UInt) {
        #expect(Self.status(Self.vet(Self.head(.POST, [("Host", "a")] + fields))) == expected)
    }

    @Test("Host must be there once on HTTP/1.1; absolute-form targets bring their own")
    func host() throws {
        #expect(Self.status(Self.vet(Self.head(.GET, []))) == 400)
        #expect(Self.status(Self.vet(Self.head(.GET, [("Host", "a"), ("Host", "b")]))) == 400)
        #expect(Self.status(Self.vet(Self.head(.GET, [("Host", "a b")]))) == 400)
        #expect(Self.status(Self.vet(Self.head(.GET, [], version: .http1_0))) == nil)
        let absolute = try Self.vet(Self.head(.GET, [("Host", "evil")], uri: "http://example.com:8080/x/../api?q=1")).get()
        #expect(absolute.host == "example.com:8080")
        #expect(absolute.target == "/api?q=1")
        #expect(absolute.absoluteForm)
        // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400, whatever the form of its target.
        #expect(Self.status(Self.vet(Self.head(.GET, [], uri: "http://example.com/x"))) == 400)
    }

    @Test("TRACE with a body, CONNECT, asterisk-form and unknown expectations are refused")
    func methodsAndTargets() {
        #expect(Self.status(Self.vet(Self.head(.TRACE, [("Host", "a"), ("Content-Length", "3")]))) == 400)
        #expect(Self.status(Self.vet(Self.head(.TRACE, [("Host", "a"), ("Transfer-Encoding", "chunked")]))) == 400)
        #expect(Self.status(Self.vet(Self.head(.TRACE, [("Host", "a")]))) == nil)
        #expect(Self.status(Self.vet(Self.head(.CONNECT, [("Host", "a")], uri: "a:443"))) == 405)
        #expect(Self.status(Self.vet(Self.head(.OPTIONS, [("Host", "a")], uri: "*"))) == 400)
        #expect(Self.status(Self.vet(Self.head(.POST, [("Host", "a"), ("Expect", "200-ok")]))) == 417)
        #expect((try? Self.vet(Self.head(.POST, [("Host", "a"), ("Expect", "100-Continue")])).get().expectsContinue) == true)
        // HTTP/1.0: the expectation is ignored (no 1xx to a 1.0 client) and not forwarded either.
        let old = Self.head(.POST, [("Expect", "100-continue"), ("Content-Length", "1")], version: .http1_0)
        #expect((try? Self.vet(old).get().expectsContinue) == false)
        #expect((try? Self.upstream(old))?.headers.contains(name: "Expect") == false)
    }

    @Test("more header fields than server.max_header_count get 431")
    func headerCount() {
        let fields = (0..<101).map { ("X-F\($0)", "v") }
        #expect(Self.status(Self.vet(Self.head(.GET, [("Host", "a")] + fields))) == 431)
        #expect(Self.status(Self.vet(Self.head(.GET, [("Host", "a")] + fields.prefix(99)))) == nil)
        #expect(Self.status(Self.vet(Self.head(.GET, [("Host", "a")] + fields.prefix(10)), limits: .init(maxHeaderCount: 5))) == 431)
    }

    @Test("Connection may not name protected fields; its options are de-duplicated and capped")
    func connectionOptions() {
        let options = HopByHopHeaders.connectionOptions(HTTPHeaders([
            ("Connection", "keep-alive, Content-Length, transfer-encoding, HOST, x-forwarded-for, X-Request-ID, x-real-ip, X-Trace, x-trace"),
        ]))
        #expect(options.named == ["x-trace"])
        #expect(options.keepAlive)
        let many = (0..<40).map { "x-o\($0)" }.joined(separator: ",")
        #expect(HopByHopHeaders.connectionOptions(HTTPHeaders([("Connection", many)])).tooMany)
        #expect(Self.status(Self.vet(Self.head(.GET, [("Host", "a"), ("Connection", many)]))) == 400)
    }

    static let origin = UpstreamRequestHead.Origin(peer: "198.51.100.7", peerIsTrusted: false, clientAddress: "198.51.100.7", requestID: "rid")

    static func upstream(_ head: HTTPRequestHead, origin: UpstreamRequestHead.Origin = origin) throws -> HTTPRequestHead {
        UpstreamRequestHead.make(from: head, vetted: try RequestVetting.vet(head, limits: .init()).get(), origin: origin)
    }

    @Test("Connection naming Content-Length cannot strip the framing: the body is framed by the gateway")
    func connectionCannotUnframe() throws {
        let head = Self.head(.GET, [("Host", "a"), ("Connection", "keep-alive, content-length"), ("Content-Length", "27")])
        let upstream = try Self.upstream(head)
        #expect(upstream.headers["Content-Length"] == ["27"])
        #expect(!upstream.headers.contains(name: "Connection"))
        let chunked = try Self.upstream(Self.head(.POST, [("Host", "a"), ("Connection", "transfer-encoding"), ("Transfer-Encoding", "chunked")]))
        #expect(chunked.headers["Transfer-Encoding"] == ["chunked"])
        #expect(!chunked.headers.contains(name: "Content-Length"))
    }

    @Test("identity and forwarding fields from an untrusted client never reach the upstream")
    func trustBoundary() throws {
        let spoofed: [(String, String)] = [
            ("Host", "site"), ("X-Real-IP", "1.1.1.1"), ("Forwarded", "for=1.1.1.1"), ("X-Original-URL", "/admin"),
            ("X-Rewrite-URL", "/admin"), ("X-Forwarded-Port", "443"), ("X-Forwarded-Prefix", "/x"),
            ("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil"),
            ("X-Request-ID", "client"), ("Accept", "*/*"), ("X-Forwarded-Ssl", "on"), ("x-forwarded-scheme", "https"),
            ("X-Forwarded-Client-Cert", "Hash=1"), ("X-Client-IP", "1.1.1.1"), ("True-Client-IP", "1.1.1.1"),
        ]
        let upstream = try Self.upstream(Self.head(.GET, spoofed))
        for name in ["Forwarded", "X-Original-URL", "X-Rewrite-URL", "X-Forwarded-Port", "X-Forwarded-Prefix",
                     "X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Forwarded-Client-Cert", "X-Client-IP", "True-Client-IP"] {
            #expect(!upstream.headers.contains(name: name), "\(name) passed the trust boundary")
        }
        #expect(upstream.headers["X-Real-IP"] == ["198.51.100.7"])
        #expect(upstream.headers["X-Forwarded-For"] == ["198.51.100.7"])
        #expect(upstream.headers["X-Forwarded-Proto"] == ["http"])
        #expect(upstream.headers["X-Forwarded-Host"] == ["site"])
        #expect(upstream.headers["X-Request-ID"] == ["rid"])
        #expect(upstream.headers["Accept"] == ["*/*"])

        let trusted = UpstreamRequestHead.Origin(peer: "10.0.0.1", peerIsTrusted: true, clientAddress: "1.1.1.1", requestID: "rid")
        let viaProxy = try Self.upstream(Self.head(.GET, spoofed), origin: trusted)
        #expect(viaProxy.headers["X-Forwarded-For"] == ["1.1.1.1, 10.0.0.1"])
        #expect(viaProxy.headers["X-Forwarded-Proto"] == ["https"])
        #expect(viaProxy.headers["X-Forwarded-Host"] == ["evil"])
        #expect(viaProxy.headers["X-Real-IP"] == ["1.1.1.1"])
        #expect(!viaProxy.headers.contains(name: "Forwarded"))
    }

    @Test("the canonical path is what is forwarded; Upgrade is dropped")
    func canonicalTargetAndUpgrade() throws {
        let head = Self.head(.GET, [("Host", "a"), ("Upgrade", "h2c"), ("Connection", "Upgrade, HTTP2-Settings"), ("HTTP2-Settings", "AAA")], uri: "//api/./auth/%6cogin?x=%2F")
        let vetted = try RequestVetting.vet(head, limits: .init()).get()
        #expect(vetted.upgradeDropped)
        let upstream = try Self.upstream(head)
        #expect(upstream.uri == "/api/auth/login?x=%2F")
        #expect(!upstream.headers.contains(name: "Upgrade"))
        #expect(!upstream.headers.contains(name: "HTTP2-Settings"))
    }

    @Test("property: every upstream head carries exactly one framing field matching what was parsed")
    func framingProperty() async {
        await propertyCheck(input: Gen.int(in: 0...5), Gen.int(in: 0...1_000_000), Gen.bool) { shape, length, connectionNamesFraming in
            var fields: [(String, String)] = [("Host", "h")]
            if connectionNamesFraming { fields.append(("Connection", "content-length, transfer-encoding, keep-alive")) }
            let method: HTTPMethod = [.GET, .POST, .PUT, .DELETE, .PATCH, .OPTIONS][shape]
            let chunked = length % 2 == 0
            fields.append(chunked ? ("Transfer-Encoding", "chunked") : ("Content-Length", "\(length)"))
            guard let vetted = try? RequestVetting.vet(Self.head(method, fields), limits: .init()).get() else {
                Issue.record("a plain \(method) was refused")
                return
            }
            let upstream = UpstreamRequestHead.make(from: Self.head(method, fields), vetted: vetted, origin: Self.origin)
            let lengths = upstream.headers["Content-Length"], codings = upstream.headers["Transfer-Encoding"]
            #expect(lengths.count + codings.count == 1)
            if chunked { #expect(codings == ["chunked"]) } else { #expect(lengths == ["\(length)"]) }
        }
    }
}

@Suite("Header names", .timeLimit(.minutes(1)))
struct HeaderNameTests {
    @Test("the fast classification agrees with the hop-by-hop and trust-boundary lists, in any case")
    func agreesWithTheLists() {
        for name in HopByHopHeaders.fixed {
            let expected: HeaderName = name == "connection" ? .connection : name == "transfer-encoding" ? .transferEncoding : .hopByHop
            #expect(HeaderName.of(name) == expected, "\(name)")
            #expect(HeaderName.of(name.uppercased()) == expected, "\(name)")
        }
        for name in TrustBoundary.alwaysRemoved {
            #expect(HeaderName.of(name) == .gatewayOwned, "\(name)")
            #expect(HeaderName.of(name.capitalized) == .gatewayOwned, "\(name)")
        }
        #expect(HeaderName.of("X-Forwarded-For") == .forwardedFor)
        #expect(HeaderName.of("x-forwarded-proto") == .forwardedProto)
        #expect(HeaderName.of("X-FORWARDED-HOST") == .forwardedHost)
        #expect(HeaderName.of("X-Forwarded-Anything") == .gatewayOwned)
        #expect(HeaderName.of("Content-Length") == .contentLength)
        #expect(HeaderName.of("Host") == .host)
        #expect(HeaderName.of("Expect") == .expect)
        #expect(HeaderName.of("X-Request-Id") == .requestID)
        for other in ["Content-Type", "Accept", "X-Forwarded", "Hosts", "Te2", "", "x", "Cookie", "Forwarded-For"] {
            #expect(HeaderName.of(other) == .other, "\(other)")
        }
    }
}
