import BulwarkBench
import NIOCore
import Testing

/// Real runs against a loopback server with a known answer time: the percentiles match the truth, the
/// open model sees a stall the closed model hides, and failures are counted by kind.
@Suite(.serialized)
struct LoadRunTests {
    /// 100 answer times from 10 ms to 49.6 ms in steps of 0.4 ms, in a scrambled order.
    static let delays: [TimeAmount] = (0..<100).map { (($0 * 37) % 100) }.map { .microseconds(Int64(10_000 + $0 * 400)) }

    /// The exact percentile (HDR's definition: the smallest value with at least `p`% at or below it) of
    /// the time the server actually took for each answer, in milliseconds.
    static func truth(_ p: Double, of server: DelayServer) -> Double {
        let used = server.actualAnswerTimes.map { Double($0.nanoseconds) / 1e6 }.sorted()
        let rank = max(1, Int((p / 100 * Double(used.count)).rounded(.up)))
        return used[rank - 1]
    }

    static func target(_ port: Int) -> BenchTarget {
        BenchTarget(host: "127.0.0.1", port: port, pathAndQuery: "/", hostHeader: "127.0.0.1:\(port)")
    }

    static func expectNear(_ measured: Double, _ truth: Double, _ what: String) {
        #expect(abs(measured - truth) <= truth * 0.05, "\(what): measured \(measured) ms, truth \(truth) ms")
    }

    @Test("closed model: p50, p90 and p99 are within 5% of the server's answer times")
    func closedPercentiles() async throws {
        let server = try await DelayServer(.init(delays: Self.delays))
        let settings = LoadSettings(target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 3), connections: 16)
        let report = try await LoadRun.run(settings)
        try await server.stop()
        let count = server.requests
        #expect(report.summary.requests == count)
        #expect(count > 500)
        #expect(report.summary.errors == 0)
        Self.expectNear(report.summary.latency.p50, Self.truth(50, of: server), "p50")
        Self.expectNear(report.summary.latency.p90, Self.truth(90, of: server), "p90")
        Self.expectNear(report.summary.latency.p99, Self.truth(99, of: server), "p99")
        #expect(report.model == .closed)
        #expect(report.connections == 16)
        #expect(report.timeline.count >= 3)
        #expect(report.timeline.reduce(0) { $0 + $1.requests } == count)
    }

    @Test("open model: the rate is held and the percentiles are within 5% of the truth")
    func openPercentiles() async throws {
        let server = try await DelayServer(.init(delays: Self.delays))
        let schedule = RateSchedule(stages: [.init(duration: 3, rateFrom: 300, rateTo: 300)])
        let settings = LoadSettings(target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .open(schedule), connections: 64)
        let report = try await LoadRun.run(settings)
        try await server.stop()
        let count = server.requests
        #expect(count == 900)
        #expect(report.summary.requests == 900)
        #expect(report.summary.unsent == 0)
        #expect(abs(report.summary.rate - 300) < 1)
        #expect(report.summary.targetRate == 300)
        Self.expectNear(report.summary.latency.p50, Self.truth(50, of: server), "p50")
        Self.expectNear(report.summary.latency.p90, Self.truth(90, of: server), "p90")
        Self.expectNear(report.summary.latency.p99, Self.truth(99, of: server), "p99")
    }

    @Test("a 1 s stall: the open model's p99 shows it and counts missed sends; the closed model's p99 hides it")
    func stall() async throws {
        let stalled = DelayServer.Behaviour(delays: [.milliseconds(2)], stall: (after: .milliseconds(1500), length: .seconds(1)))
        let openServer = try await DelayServer(stalled)
        let open = try await LoadRun.run(LoadSettings(
            target: Self.target(openServer.port), requests: [LoadRequest(pathAndQuery: "/")],
            model: .open(RateSchedule(stages: [.init(duration: 4, rateFrom: 200, rateTo: 200)])), connections: 8
        ))
        try await openServer.stop()
        #expect(open.summary.latency.p99 >= 800, "open-model p99 \(open.summary.latency.p99) ms")
        #expect(open.summary.latency.max >= 900)
        #expect(open.summary.missed >= 100, "missed \(open.summary.missed)")
        #expect(open.summary.requests == 800)

        let closedServer = try await DelayServer(stalled)
        let closed = try await LoadRun.run(LoadSettings(
            target: Self.target(closedServer.port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 4), connections: 8
        ))
        try await closedServer.stop()
        #expect(closed.summary.latency.max >= 900)
        #expect(closed.summary.latency.p99 < 100, "closed-model p99 \(closed.summary.latency.p99) ms: coordinated omission hides the stall")
    }

    @Test("ramping stages: each stage gets its own share and its own figures")
    func stages() async throws {
        let server = try await DelayServer(.init(delays: [.milliseconds(1)]))
        let schedule = RateSchedule(stages: [.init(duration: 1, rateFrom: 0, rateTo: 400), .init(duration: 1, rateFrom: 100, rateTo: 100)])
        let report = try await LoadRun.run(LoadSettings(
            target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .open(schedule), stageNames: ["ramp", "steady"]
        ))
        try await server.stop()
        #expect(report.stages.map(\.name) == ["ramp", "steady"])
        #expect(report.stages[0].summary.requests == 200)
        #expect(report.stages[1].summary.requests == 100)
        #expect(report.stages[1].startSeconds == 1)
        #expect(report.summary.requests == 300)
    }

    @Test("5xx answers are errors by status class")
    func serverErrors() async throws {
        let server = try await DelayServer(.init(status: 503))
        let report = try await LoadRun.run(LoadSettings(target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 0.5), connections: 2))
        try await server.stop()
        #expect(report.summary.requests > 0)
        #expect(report.summary.errors == report.summary.requests)
        #expect(report.summary.errorsByKind == ["status_5xx": report.summary.requests])
        #expect(report.summary.statusCodes == ["503": report.summary.requests])
        #expect(report.summary.errorRate == 1)
    }

    @Test("nothing listening: connect errors, no answers, and the run still ends on time")
    func connectErrors() async throws {
        let server = try await DelayServer(.init())
        let port = server.port
        try await server.stop()
        let started = ContinuousClock.now
        let report = try await LoadRun.run(LoadSettings(target: Self.target(port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 1), connections: 2))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(report.summary.requests == 0)
        #expect((report.summary.errorsByKind["connect"] ?? 0) > 0)
        #expect(report.summary.errorRate == 1)
    }

    @Test("an answer slower than the timeout is a timeout error")
    func timeouts() async throws {
        let server = try await DelayServer(.init(delays: [.seconds(3)]))
        let report = try await LoadRun.run(LoadSettings(
            target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 0.5), connections: 2, timeout: .milliseconds(300)
        ))
        try await server.stop()
        #expect(report.summary.requests == 0)
        #expect((report.summary.errorsByKind["timeout"] ?? 0) >= 2)
    }

    @Test("Connection: close answers are followed by a new connection, not counted as errors")
    func reconnects() async throws {
        let server = try await DelayServer(.init(closeAfter: 1))
        let report = try await LoadRun.run(LoadSettings(target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 0.5), connections: 2))
        try await server.stop()
        #expect(report.summary.requests > 10)
        #expect(report.summary.errors == 0)
    }

    @Test("fewer connections than event loops: every scheduled send still goes out")
    func fewConnectionsManyLoops() async throws {
        let server = try await DelayServer(.init(delays: [.milliseconds(1)]))
        let report = try await LoadRun.run(LoadSettings(
            target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")],
            model: .open(RateSchedule(stages: [.init(duration: 1, rateFrom: 100, rateTo: 100)])), connections: 1, eventLoops: 4
        ))
        try await server.stop()
        #expect(report.summary.requests == 100)
        #expect(report.summary.unsent == 0)
    }

    @Test("open model without a fixed pool: the pool grows to what rate × latency needs, within its limit")
    func poolGrows() async throws {
        let server = try await DelayServer(.init(delays: [.milliseconds(40)]))
        let report = try await LoadRun.run(LoadSettings(
            target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")],
            model: .open(RateSchedule(stages: [.init(duration: 2, rateFrom: 500, rateTo: 500)])), connections: 2, maximumConnections: 40, eventLoops: 2
        ))
        try await server.stop()
        // 500/s × 40 ms needs about 20 connections at once.
        #expect(report.connections > 10 && report.connections <= 40, "pool \(report.connections)")
        #expect(report.summary.requests == 1000)
        #expect(report.summary.unsent == 0)
    }

    @Test("a target that drops every connection is retried with backoff, not stormed, and the run ends on time")
    func noReconnectStorm() async throws {
        let server = try await DelayServer(.init(dropConnections: true))
        let started = ContinuousClock.now
        let report = try await LoadRun.run(LoadSettings(
            target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")], model: .closed(duration: 1), connections: 4
        ))
        #expect(ContinuousClock.now - started < .seconds(4))
        let accepted = server.connections
        try await server.stop()
        #expect(report.summary.requests == 0)
        // Without backoff this is thousands; with 50 ms doubling it is a handful per connection.
        #expect(accepted < 60, "\(accepted) connections in 1 s")
        #expect(report.summary.errorRate == 1)
    }

    @Test("sends that never got a connection count as unsent errors, so error_rate shows an overloaded pool")
    func unsentAreErrors() async throws {
        let server = try await DelayServer(.init(delays: [.milliseconds(100)]))
        let report = try await LoadRun.run(LoadSettings(
            target: Self.target(server.port), requests: [LoadRequest(pathAndQuery: "/")],
            model: .open(RateSchedule(stages: [.init(duration: 1, rateFrom: 200, rateTo: 200)])), connections: 2, eventLoops: 1
        ))
        try await server.stop()
        // Two connections answer about 20 of the 200 sends in a second; the rest never start.
        #expect(report.summary.unsent > 100)
        #expect(report.summary.errorsByKind["unsent"] == report.summary.unsent)
        #expect(report.summary.errorRate > 0.5)
        #expect(report.summary.missed >= report.summary.unsent)
    }
}
