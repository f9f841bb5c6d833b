import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd about the service's state (`sd_notify(3)`) without linking libsystemd: one datagram per
/// message on the `AF_UNIX` socket named by `NOTIFY_SOCKET`.
///
/// Exists only when systemd (or anything acting as it) set `NOTIFY_SOCKET`, so callers create it
/// conditionally:
///
/// ```swift
/// if let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment, logger: logger) {
///     notifier.ready()
/// }
/// ```
///
/// Sending never throws: a service must not fail because its supervisor cannot be told something. The
/// first failure is logged (at warning), later ones are not.
public final class SystemdNotifier: Sendable {
    /// The socket as `NOTIFY_SOCKET` gave it: a path, or `@name` for the abstract namespace.
    public let notifySocket: String
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, or `nil` when the watchdog is off (see
    /// ``watchdogInterval(environment:pid:)``).
    public let watchdogInterval: Duration?
    private let address: [UInt8]
    private let logger: Logger?
    private let failureLogged = Atomic<Bool>(false)

    /// A notifier for `NOTIFY_SOCKET`, or `nil` when it is unset, empty or not a path or `@name` (or
    /// longer than a socket address holds).
    ///
    /// - Parameters:
    ///   - environment: The process environment, where `NOTIFY_SOCKET`, `WATCHDOG_USEC` and
    ///     `WATCHDOG_PID` are read.
    ///   - pid: This process's id, compared with `WATCHDOG_PID`; defaults to `getpid()`.
    ///   - logger: Where the first failure to send is logged; `nil` logs nothing.
    public init?(environment: [String: String], pid: Int32 = getpid(), logger: Logger? = nil) {
        guard let socket = environment["NOTIFY_SOCKET"], socket.hasPrefix("/") || socket.hasPrefix("@") else { return nil }
        var address = Array(socket.utf8)
        if address.first == UInt8(ascii: "@") { address[0] = 0 }
        guard address.count > 1, address.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        self.notifySocket = socket
        self.address = address
        self.watchdogInterval = Self.watchdogInterval(environment: environment, pid: pid)
        self.logger = logger
    }

    /// Half of `WATCHDOG_USEC`, the interval systemd recommends for `WATCHDOG=1`; `nil` when it is unset,
    /// not a positive number, or meant for another process (`WATCHDOG_PID` set to a pid other than `pid`).
    ///
    /// `WATCHDOG_USEC=200000` (a 200 ms watchdog) gives 100 ms.
    public static func watchdogInterval(environment: [String: String], pid: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty, Int32(owner) != pid { return nil }
        return .microseconds(microseconds / 2)
    }

    /// Sends `state` (one or more `KEY=VALUE` lines, e.g. `READY=1\nSTATUS=serving`) as one datagram.
    public func send(_ state: String) {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return failed(state, errno) }
        defer { close(descriptor) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &target.sun_path) { path in
            path.copyBytes(from: address)
        }
        // A path counts its terminating NUL; an abstract name is exactly its bytes.
        let pathLength = address[0] == 0 ? address.count : address.count + 1
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + pathLength)
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length) }
            }
        }
        if sent < 0 { failed(state, errno) }
    }

    /// `READY=1`, with `STATUS=status` when given: start-up is finished.
    public func ready(status: String? = nil) {
        send(status.map { "READY=1\nSTATUS=\($0)" } ?? "READY=1")
    }

    /// `STOPPING=1`, with `STATUS=status` when given: shutdown has begun.
    public func stopping(status: String? = nil) {
        send(status.map { "STOPPING=1\nSTATUS=\($0)" } ?? "STOPPING=1")
    }

    /// `WATCHDOG=1`: the service is alive.
    public func watchdog() {
        send("WATCHDOG=1")
    }

    /// `STATUS=text`: a line `systemctl status` shows.
    public func status(_ text: String) {
        send("STATUS=\(text)")
    }

    private func failed(_ state: String, _ code: Int32) {
        guard let logger, !failureLogged.exchange(true, ordering: .relaxed) else { return }
        logger.warning("could not notify systemd; further failures are not logged", metadata: [
            "notify_socket": "\(notifySocket)",
            "state": "\(state.split(separator: "\n").first ?? "")",
            "error": "\(String(cString: strerror(code)))",
        ])
    }
}
