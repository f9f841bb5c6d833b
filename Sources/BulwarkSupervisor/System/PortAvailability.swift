#if canImport(Glibc)
import Glibc
#endif

/// Checks that a TCP port is free before an instance is started on it, and names the process that holds
/// it when it is not, so `bulwark run` can refuse with
/// `port 3001 is in use by pid 1234 (python3): stop it or change processes.app.port_base`
/// instead of letting the instance crash on `EADDRINUSE`.
///
/// ```swift
/// let status = PortAvailability.check(port: 3001)
/// if let problem = status.message(port: 3001, keyPath: "processes.app.port_base") {
///     logger.error("\(problem)")   // and do not start the instance
/// }
/// ```
public enum PortAvailability {
    /// Binds a TCP socket with `SO_REUSEADDR` to `host:port` and closes it at once.
    ///
    /// A port is taken only when the bind fails with `EADDRINUSE` (a listener on the port, on this
    /// address or on a wildcard one); connections lingering in `TIME_WAIT` do not count, as they do not
    /// stop the instance from listening either. Any other outcome (permission to bind a low port, an
    /// address that is not local, a host that is not an IP address) is reported as free: the instance's
    /// own start-up will report it better than a guess here.
    ///
    /// - Parameters:
    ///   - port: The port, 1 ‥ 65535.
    ///   - host: The IPv4 or IPv6 address the instance will listen on; `localhost` means `127.0.0.1`.
    /// - Returns: `.free`, or `.taken(by:)` with the holder found in `/proc` (see ``holder(ofPort:)``).
    public static func check(port: Int, host: String = "127.0.0.1") -> PortStatus {
        guard (1...65535).contains(port), bindError(port: UInt16(port), host: host == "localhost" ? "127.0.0.1" : host) == EADDRINUSE else {
            return .free
        }
        return .taken(by: holder(ofPort: port))
    }

    /// The `errno` of binding `host:port`, or `nil` when the bind succeeded or `host` is not an address.
    private static func bindError(port: UInt16, host: String) -> Int32? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = ipv4
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bindError(family: AF_INET, $0, MemoryLayout<sockaddr_in>.size) }
            }
        }
        if inet_pton(AF_INET6, host, &ipv6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = ipv6
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bindError(family: AF_INET6, $0, MemoryLayout<sockaddr_in6>.size) }
            }
        }
        return nil
    }

    private static func bindError(family: Int32, _ address: UnsafePointer<sockaddr>, _ length: Int) -> Int32? {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        return bind(descriptor, address, socklen_t(length)) == 0 ? nil : errno
    }
}
