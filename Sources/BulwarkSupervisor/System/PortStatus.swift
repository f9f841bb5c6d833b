/// Whether a TCP port can be listened on, as ``PortAvailability/check(port:host:)`` found it.
public enum PortStatus: Sendable, Hashable {
    /// Nothing listens on the port: an instance can bind it.
    case free
    /// A socket listens on the port. `holder` names the process (`pid 1234 (python3)`) when it could be
    /// found, and is `nil` when it could not (typically a process of another user, whose descriptors are
    /// not readable).
    case taken(by: String?)

    /// What the supervisor says before starting an instance on a taken port, or `nil` when it is free:
    /// `port 3001 is in use by pid 1234 (python3): stop it or change processes.app.port_base`.
    ///
    /// - Parameters:
    ///   - port: The port that was checked.
    ///   - keyPath: The configuration key that chose the port, e.g. `processes.app.port_base`.
    public func message(port: Int, keyPath: String) -> String? {
        switch self {
        case .free:
            nil
        case .taken(let holder?):
            "port \(port) is in use by \(holder): stop it or change \(keyPath)"
        case .taken(nil):
            "port \(port) is in use by another process (not one this user can see): stop it or change \(keyPath)"
        }
    }
}
