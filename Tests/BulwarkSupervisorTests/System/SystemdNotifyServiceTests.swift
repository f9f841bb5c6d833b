import BulwarkSupervisor
import BulwarkTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("The systemd notify service in a service group", .timeLimit(.minutes(1)))
struct SystemdNotifyServiceTests {
    /// A readiness gate that, like a listener's port, ignores cancellation: only ``open()`` releases it.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let open = state.withLock { state in
                    if !state.open { state.waiters.append(continuation) }
                    return state.open
                }
                if open { continuation.resume() }
            }
        }

        func open() {
            let waiters = state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    static func group(notifySocket: String, gate: Gate) throws -> ServiceGroup {
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": notifySocket, "WATCHDOG_USEC": "100000"]))
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let service = SystemdNotifyService(notifier: notifier, readyStatus: "ready", waitUntilReady: { await gate.wait() }, logger: logger)
        return ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
    }

    @Test("READY=1 only once ready, then WATCHDOG=1 every half watchdog period, STOPPING=1 at graceful shutdown")
    func lifecycle() async throws {
        let receiver = try NotifySocketReceiver()
        let gate = Gate()
        defer { gate.open() }
        let group = try Self.group(notifySocket: receiver.notifySocket, gate: gate)
        let running = Task { try await group.run() }
        defer { running.cancel() }

        #expect(await receiver.next(within: .milliseconds(300)) == nil, "nothing before readiness")
        gate.open()
        #expect(await receiver.next() == "READY=1\nSTATUS=ready")
        for _ in 0..<3 { #expect(await receiver.next() == "WATCHDOG=1") }

        await group.triggerGracefulShutdown()
        let rest = try #require(await receiver.messages(until: "STOPPING=1"))
        #expect(rest.dropLast().allSatisfy { $0 == "WATCHDOG=1" })
        try await running.value
        #expect(await receiver.next(within: .milliseconds(300)) == nil, "nothing after STOPPING=1")
    }

    @Test("a shutdown before readiness sends STOPPING=1 alone, without waiting for readiness")
    func shutdownBeforeReady() async throws {
        let receiver = try NotifySocketReceiver(abstract: true)
        let gate = Gate()
        defer { gate.open() }
        let group = try Self.group(notifySocket: receiver.notifySocket, gate: gate)
        let running = Task { try await group.run() }
        defer { running.cancel() }

        #expect(await receiver.next(within: .milliseconds(200)) == nil)
        await group.triggerGracefulShutdown()
        #expect(await receiver.next() == "STOPPING=1")
        try await running.value
    }
}
