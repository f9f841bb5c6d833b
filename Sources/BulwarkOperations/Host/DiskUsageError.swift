/// Why the usage of a path could not be read.
///
/// Its description names the reason and the path: `no such directory: /var/lib/bulwark`,
/// `Permission denied: /root/data`.
public struct DiskUsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path that was asked about.
    public var path: String
    /// The reason alone, without the path: `no such directory`, or the system's text for the
    /// error (`Permission denied`).
    public var reason: String
    /// The `errno` the system returned, when there was one.
    public var code: Int32?

    /// An error about `path`.
    public init(path: String, reason: String, code: Int32? = nil) {
        self.path = path
        self.reason = reason
        self.code = code
    }

    /// `reason: path`.
    public var description: String { "\(reason): \(path)" }
}
