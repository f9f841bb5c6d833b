import BulwarkSupervisor
import BulwarkTestSupport
import Logging
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("sd_notify without libsystemd", .timeLimit(.minutes(1)))
struct SystemdNotifierTests {
    @Test("each helper sends one datagram to a socket path and to an abstract name", arguments: [false, true])
    func sends(abstract: Bool) async throws {
        let receiver = try NotifySocketReceiver(abstract: abstract)
        #expect(receiver.notifySocket.hasPrefix(abstract ? "@bulwark-test-" : "/"))
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        notifier.ready()
        #expect(await receiver.next() == "READY=1")
        notifier.watchdog()
        #expect(await receiver.next() == "WATCHDOG=1")
        notifier.status("serving on port 8080")
        #expect(await receiver.next() == "STATUS=serving on port 8080")
        notifier.stopping(status: "draining")
        #expect(await receiver.next() == "STOPPING=1\nSTATUS=draining")
    }

    @Test("no notifier without a usable NOTIFY_SOCKET", arguments: [
        [:], ["NOTIFY_SOCKET": ""], ["NOTIFY_SOCKET": "relative/socket"], ["NOTIFY_SOCKET": "@"],
        ["NOTIFY_SOCKET": "vsock:2:1234"], ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)],
    ])
    func absent(environment: [String: String]) {
        #expect(SystemdNotifier(environment: environment) == nil)
    }

    @Test("the watchdog interval is half of WATCHDOG_USEC, only for the pid WATCHDOG_PID names")
    func watchdogInterval() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "200000"], pid: 42) == .milliseconds(100))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "42"], pid: 42) == .milliseconds(100))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "7"], pid: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"], pid: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "soon"], pid: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:], pid: 42) == nil)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "3000000"], pid: 42)
        #expect(notifier?.watchdogInterval == .milliseconds(1500))
    }

    @Test("sending to a socket nobody listens on does not throw, and is logged once")
    func failureLoggedOnce() {
        let log = CapturedLog()
        let logger = Logger(label: "test") { _ in log }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/bulwark-\(getpid())/notify"], logger: logger)
        notifier?.ready()
        notifier?.watchdog()
        #expect(log.messages == ["could not notify systemd; further failures are not logged"])
    }
}

/// A log handler that keeps its messages.
struct CapturedLog: LogHandler {
    private let box = Box()
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    var messages: [String] { box.messages.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        box.messages.withLock { $0.append(event.message.description) }
    }

    private final class Box: Sendable {
        let messages = Mutex<[String]>([])
    }
}
