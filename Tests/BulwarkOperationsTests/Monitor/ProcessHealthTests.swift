import BulwarkConfig
import BulwarkGateway
@testable import BulwarkOperations
import BulwarkSupervisor
import Foundation
import Testing

/// What supervised processes mean for `/health`, the alerts and `/api/processes`, from hand-built
/// statuses (the supervisor's own tests run real processes).
@Suite struct ProcessHealthTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func member(_ slot: Int, _ state: InstanceSnapshot.State, serial: Int = 1, restarts: Int = 0, reason: String? = nil) -> ProcessGroupStatus.Member {
        ProcessGroupStatus.Member(instance: InstanceSnapshot(
            id: InstanceID(group: "app", slot: slot, serial: serial), port: 3001 + slot, pid: state == .givenUp ? nil : 100 + Int32(slot),
            state: state, restarts: restarts, lastExit: reason == nil ? nil : .code(1), lastReason: reason
        ), residentBytes: 50 << 20, cpuSeconds: 1.5, uptimeSeconds: 12)
    }

    static func observation(_ groups: [ProcessGroupStatus]) -> Observation {
        var observation = Observation(now: t0)
        observation.processes = groups
        return observation
    }

    @Test func aProcessCheckPerGroupCountsReadyInstances() {
        let all = ProcessGroupStatus(name: "app", instances: 2, members: [Self.member(0, .ready), Self.member(1, .ready)])
        let some = ProcessGroupStatus(name: "api", instances: 2, members: [Self.member(0, .ready), Self.member(1, .waitingToRestart)])
        let none = ProcessGroupStatus(name: "worker", instances: 1, members: [Self.member(0, .givenUp, restarts: 10, reason: "exit code 1")], givenUpSlots: [0])
        let checks = HealthScoring.checks(for: Self.observation([all, some, none]), slowAfter: .seconds(1))
        #expect(checks.map(\.kind) == ["process", "process", "process"])
        #expect(checks.map(\.status) == [.healthy, .degraded, .unhealthy])
        #expect(checks[0].message == "2 of 2 instances ready")
        #expect(checks[2].message == "0 of 1 instances ready; given up after a crash loop: worker.0")
        #expect(checks.allSatisfy { !$0.critical })
    }

    @Test func aGivenUpSlotAlertsCriticalAndAMemoryRestartWarnsUntilItAges() {
        var evaluator = AlertEvaluator(settings: AlertSettings(), idPrefix: "t-")
        let looping = ProcessGroupStatus(
            name: "app", instances: 2, members: [Self.member(0, .ready), Self.member(1, .givenUp, serial: 9, restarts: 10, reason: "exit code 1")],
            givenUpSlots: [1], recentMemoryRestarts: 1
        )
        let opened = evaluator.evaluate(GatewaySnapshot(), dependencies: [], processes: [looping], residentBytes: nil, now: .zero, date: Self.t0)
        let alerts = opened.map(\.alert)
        #expect(Set(alerts.map { "\($0.rule) \($0.subject) \($0.severity.rawValue)" }) == ["process_crash_loop app.1 critical", "process_memory_restart app warning"])
        #expect(alerts.first { $0.rule == "process_crash_loop" }?.message == "instance app.1 restarted too often and was given up; last: exit code 1: fix it, then POST /api/processes/app/restart")
        let healthy = ProcessGroupStatus(name: "app", instances: 2, members: [Self.member(0, .ready), Self.member(1, .ready, serial: 10)])
        let resolved = evaluator.evaluate(GatewaySnapshot(), dependencies: [], processes: [healthy], residentBytes: nil, now: .seconds(5), date: Self.t0 + 5)
        #expect(resolved.count == 2)
        #expect(evaluator.book.openAlerts.isEmpty)
    }

    @Test func theProcessesBodyShowsEveryInstance() throws {
        let group = ProcessGroupStatus(name: "app", instances: 2, members: [Self.member(0, .ready), Self.member(1, .givenUp, restarts: 3, reason: "exit code 1")], givenUpSlots: [1])
        let data = try JSONEncoder().encode(APIBody.Processes([group]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["supervised"] as? Bool == true)
        let groups = try #require(object["processes"] as? [[String: Any]])
        #expect(groups.first?["ready"] as? Int == 1)
        #expect(groups.first?["given_up_slots"] as? [Int] == [1])
        let members = try #require(groups.first?["members"] as? [[String: Any]])
        #expect(members.map { $0["id"] as? String } == ["app.0#1", "app.1#1"])
        #expect(members[0]["pid"] as? Int == 100)
        #expect(members[0]["rss_bytes"] as? Int == 50 << 20)
        #expect(members[1]["pid"] is NSNull)
        #expect(members[1]["state"] as? String == "given_up")
        #expect(members[1]["last_exit"] as? String == "exit code 1")
        let unsupervised = try JSONSerialization.jsonObject(with: JSONEncoder().encode(APIBody.Processes(nil))) as? [String: Any]
        #expect(unsupervised?["supervised"] as? Bool == false)
    }
}
