import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Synchronization
import Testing

/// `bulwark serve` under systemd (`Type=notify`, `WatchdogSec=`), with the test as the notify socket.
@Suite("bulwark serve notifies systemd", .timeLimit(.minutes(1)))
struct SystemdNotifyBinaryTests {
    @Test("READY=1 once the listeners accept connections, WATCHDOG=1 on half of WATCHDOG_USEC, STOPPING=1 on SIGTERM before the drain")
    func notifies() async throws {
        let slowArrived = Flag()
        let app = try await DemoUpstream.start { request in
            guard request.uri == "/slow" else { return DemoReply(body: "ok") }
            slowArrived.set()
            return DemoReply(body: "slow", delay: .seconds(2))
        }
        defer { Task { await app.stop() } }
        let receiver = try NotifySocketReceiver()
        let run = try BinaryRunner(
            ["serve", "--upstream", "http://127.0.0.1:\(app.port)", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"],
            environment: ["NOTIFY_SOCKET": receiver.notifySocket, "WATCHDOG_USEC": "200000"]
        )
        defer { run.forceKill() }

        let startup = try #require(await receiver.messages(until: "READY=1"), "no READY=1; stderr: \(run.standardError)")
        // The banners precede READY=1, and the gateway accepts connections by then.
        var banner = try await run.readError(until: "bulwark listening", within: .milliseconds(500))
        if !banner.contains("admin listening") { banner += try await run.readError(until: "admin listening", within: .milliseconds(500)) }
        let port = try #require(BinaryRunner.port(in: banner))
        let adminPort = try #require(BinaryRunner.port(in: banner, after: "admin_listen=127.0.0.1:"))
        #expect(RedisServer.accepts(port: port))
        #expect(startup.joined(separator: "\n").contains("STATUS=serving on port \(port), admin API on port \(adminPort)"))
        #expect(try await RawHTTP.request("GET", "/", port: port).body == "ok")

        for _ in 0..<3 { #expect(await receiver.next(within: .seconds(1)) == "WATCHDOG=1") }

        let slowAnswered = Flag()
        let slow = Task {
            defer { slowAnswered.set() }
            return try await RawHTTP.request("GET", "/slow", port: port)
        }
        for _ in 0..<500 where !slowArrived.isSet { try await Task.sleep(for: .milliseconds(10)) }
        #expect(slowArrived.isSet)
        run.terminate()
        let shutdown = try #require(await receiver.messages(until: "STOPPING=1", within: .seconds(5)))
        #expect(shutdown.dropLast().allSatisfy { $0 == "WATCHDOG=1" })
        // The request in flight holds the drain for 2 s: STOPPING=1 came before it.
        #expect(!slowAnswered.isSet, "STOPPING=1 arrived only after the drain")
        #expect(run.process.isRunning)
        #expect(try await slow.value.body == "slow")
        #expect(try await run.waitForExit() == 0)
    }
}

/// A flag set once, readable from any task.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
}
