import Testing

/// The differential framing suite (issue 12, item 2): every raw request in `Framing/Requests/` goes on a
/// raw socket to a real gateway in front of a ``RecordingUpstream``, and every raw response in
/// `Framing/Responses/` is what that upstream answers. The class in each file's name says what must
/// happen (see ``FramingCorpus``); the recorded bytes are checked with the suite's own parser.
@Suite("Framing: request and response corpus", .timeLimit(.minutes(1)))
struct FramingSuiteTests {
    static func yaml(upstreamPort: Int) -> String {
        """
        server:
          max_header_size: 8KiB
          max_body_size: 64KiB
          drain_timeout: 1s
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(upstreamPort)"]
            timeout: 2s
            retry: { attempts: 1 }
        routes:
          - path_prefix: /
            upstream: app
        """
    }

    @Test("the corpus has every class it needs and no unknown class")
    func corpusIsComplete() {
        let requests = FramingCorpus.requests, responses = FramingCorpus.responses
        #expect(requests.count >= 60, "request files found in \(FramingCorpus.directory.path)/Requests: \(requests.count)")
        #expect(responses.count >= 10, "response files found: \(responses.count)")
        for item in requests { #expect(FramingCorpus.requestClasses.contains(item.expected), "\(item.file): unknown class") }
        for item in responses { #expect(FramingCorpus.responseClasses.contains(item.expected), "\(item.file): unknown class") }
        for item in requests where item.expected == "forward" {
            #expect(throws: Never.self, "\(item.file) is classed forward but is not a valid request") {
                try WireRequest.parse(item.bytes, .strictClient)
            }
        }
    }

    @Test("request corpus", arguments: FramingCorpus.requests)
    func request(_ item: FramingCase) async throws {
        let upstream = try await RecordingUpstream.start()
        let client = try await GatewayHarness.with(yaml: Self.yaml(upstreamPort: upstream.port)) { gateway in
            try await FramingClient.exchange(item.bytes, port: gateway.port, methods: [item.firstMethod])
        }
        // The gateway has stopped and closes its upstream connections: after that nothing more can come.
        _ = await upstream.waitUntilAllClosed(until: .now + .seconds(2))
        let received = upstream.connections
        await upstream.stop()
        let problems = FramingVerdict.request(item, upstream: received, client: client)
        let upstreamText = received.isEmpty ? "(no connection)" : received.enumerated().map { "#\($0 + 1) \(WireBytes.escaped($1.bytes))" }.joined(separator: " | ")
        #expect(problems.isEmpty, """
            \(item.file) [\(item.expected)]: \(problems.joined(separator: "; "))
              upstream received: \(upstreamText)
              client got: \(client.summary)
            """)
    }

    @Test("response corpus", arguments: FramingCorpus.responses)
    func response(_ item: FramingCase) async throws {
        let method = item.file.hasPrefix("head-") ? "HEAD" : "GET"
        let upstream = try await RecordingUpstream.start(script: .init(bytes: item.bytes, closeAfter: item.expected == "forward-until-close"))
        let request = Array("\(method) /response HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n".utf8)
        let again = Array("GET /again HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n".utf8)
        let (first, upstreamClosed, second) = try await GatewayHarness.with(yaml: Self.yaml(upstreamPort: upstream.port)) { gateway in
            let first = try await FramingClient.exchange(request, port: gateway.port, methods: [method])
            var closed = false
            if first.firstFinal == nil || first.firstFinal?.status == 502 {
                closed = await upstream.waitUntilAllClosed(until: .now + .seconds(2))  // while the gateway still runs
            }
            let second = try await FramingClient.exchange(again, port: gateway.port, methods: ["GET"])
            return (first, closed, second)
        }
        let received = upstream.connections
        await upstream.stop()
        let problems = FramingVerdict.response(item, method: method, first: first, second: second, upstreamClosed: upstreamClosed)
        #expect(problems.isEmpty, """
            \(item.file) [\(item.expected)]: \(problems.joined(separator: "; "))
              client got: \(first.summary)
              upstream connections: \(received.count), closed: \(received.map(\.closed))
            """)
    }
}
