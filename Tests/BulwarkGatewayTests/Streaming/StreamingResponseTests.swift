import Foundation
import NIOCore
import Testing

/// Streaming responses through a real gateway on loopback, from a real upstream that writes a chunk
/// every 100 ms: they reach the client as they come, `text/event-stream` and `streaming: true` routes
/// outlive the whole-request `timeout`, other routes do not, and `stream_idle_timeout` cuts a source that
/// pauses.
@Suite("Streaming responses", .timeLimit(.minutes(1)))
struct StreamingResponseTests {
    static func yaml(port: Int, route: String) -> String {
        """
        upstreams:
          events:
            targets: ["http://127.0.0.1:\(port)"]
        routes:
          - { path_prefix: /, upstream: events\(route.isEmpty ? "" : ", \(route)") }
        """
    }

    /// Runs a gateway with one route (`route`: extra keys) in front of `upstream`, and one GET through it.
    /// Returns the connection, whether the gateway closed it within `wait`, and when.
    static func stream(
        _ upstream: EventStreamUpstream, route: String, wait: Duration = .seconds(5)
    ) async throws -> (connection: TimedConnection, closed: Bool, closedAt: ContinuousClock.Instant) {
        let result = try await GatewayHarness.with(yaml: yaml(port: upstream.port, route: route)) { gateway in
            let connection = try await TimedConnection.get("/events", port: gateway.port)
            let closed = await connection.waitForClose(timeout: wait)
            let closedAt = ContinuousClock.now
            await connection.close()
            return (connection, closed, closedAt)
        }
        await upstream.stop()
        return result
    }

    static func complete(_ text: String) -> Bool { text.hasSuffix("0\r\n\r\n") }

    @Test("an event every 100 ms reaches the client one at a time, not at the end")
    func eventsArriveAsTheyCome() async throws {
        let upstream = try await EventStreamUpstream.start(contentType: "text/event-stream", events: EventStreamUpstream.sse(count: 10, every: .milliseconds(100)))
        let (connection, closed, _) = try await Self.stream(upstream, route: "")
        #expect(closed && Self.complete(connection.text), "the stream did not end: \(connection.text)")
        #expect(connection.text.hasPrefix("HTTP/1.1 200 OK"))
        let arrivals = (0..<10).compactMap { connection.arrival(of: "data: tick\($0)\n\n") }
        try #require(arrivals.count == 10, "not every event arrived: \(connection.text)")
        // Buffered to the end, all ten would arrive together; streamed, they are ~100 ms apart.
        let gaps = zip(arrivals.dropFirst(), arrivals).map { $0 - $1 }
        #expect(arrivals[9] - arrivals[0] >= .milliseconds(700), "gaps: \(gaps)")
        #expect(gaps.filter { $0 >= .milliseconds(50) }.count >= 7, "gaps: \(gaps)")
        // The first event came long before the source finished.
        #expect(arrivals[0] - connection.sentAt < .milliseconds(600))
    }

    @Test("a text/event-stream response outlives the route's timeout (streaming is automatic)")
    func eventStreamOutlivesTimeout() async throws {
        let upstream = try await EventStreamUpstream.start(contentType: "text/event-stream; charset=utf-8", events: EventStreamUpstream.sse(count: 20, every: .milliseconds(100)))
        let (connection, closed, _) = try await Self.stream(upstream, route: "timeout: 500ms")
        #expect(closed)
        #expect(Self.complete(connection.text), "cut: \(connection.text.suffix(80))")
        #expect(connection.text.contains("data: tick19\n\n"))
    }

    @Test("any response of a route with streaming: true outlives the route's timeout")
    func streamingRouteOutlivesTimeout() async throws {
        let events = (0..<20).map { EventStreamUpstream.Event(delay: .milliseconds(100), text: "{\"n\":\($0)}\n") }
        let upstream = try await EventStreamUpstream.start(contentType: "application/x-ndjson", events: events)
        let (connection, closed, _) = try await Self.stream(upstream, route: "timeout: 500ms, streaming: true")
        #expect(closed)
        #expect(Self.complete(connection.text), "cut: \(connection.text.suffix(80))")
        #expect(connection.text.contains("{\"n\":19}"))
    }

    @Test("the same slow chunked response on a route without streaming is cut at the timeout")
    func plainResponseIsCutByTimeout() async throws {
        let events = (0..<20).map { EventStreamUpstream.Event(delay: .milliseconds(100), text: "{\"n\":\($0)}\n") }
        let upstream = try await EventStreamUpstream.start(contentType: "application/x-ndjson", events: events)
        let (connection, closed, closedAt) = try await Self.stream(upstream, route: "timeout: 500ms")
        #expect(closed)
        #expect(closedAt - connection.sentAt < .milliseconds(1_500), "cut after \(closedAt - connection.sentAt)")
        #expect(connection.text.hasPrefix("HTTP/1.1 200 OK"), "the response started before the timeout")
        #expect(!Self.complete(connection.text), "not cut: \(connection.text.suffix(80))")
        #expect(!connection.text.contains("{\"n\":19}"))
    }

    @Test("stream_idle_timeout cuts a stream whose source pauses, and only then")
    func idleTimeoutCutsPausedStream() async throws {
        var events = EventStreamUpstream.sse(count: 8, every: .milliseconds(100), prefix: "early")
        events.append(EventStreamUpstream.Event(delay: .seconds(1), text: "data: late\n\n"))
        let upstream = try await EventStreamUpstream.start(contentType: "text/event-stream", events: events)
        let (connection, closed, closedAt) = try await Self.stream(upstream, route: "stream_idle_timeout: 300ms")
        #expect(closed)
        // 800 ms of events 100 ms apart: longer than the idle timeout, but never idle for it.
        #expect(connection.text.contains("data: early7\n\n"), "cut early: \(connection.text)")
        #expect(!connection.text.contains("late"))
        #expect(!Self.complete(connection.text))
        let last = try #require(connection.arrival(of: "data: early7\n\n"))
        let cutAfter = closedAt - last
        #expect(cutAfter >= .milliseconds(250), "cut \(cutAfter) after the last event")
        #expect(cutAfter < .milliseconds(950), "cut \(cutAfter) after the last event, not within the idle timeout")
    }
}
