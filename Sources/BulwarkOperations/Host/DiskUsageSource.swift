/// Where ``DiskUsage`` figures come from: the real filesystem (``StatvfsDiskUsageSource``) or,
/// in tests, a fake.
///
/// ```swift
/// struct FixedDiskUsage: DiskUsageSource {
///     var usage: DiskUsage
///     func usage(of path: String) throws -> DiskUsage { usage }
/// }
/// let probe = DiskProbe(path: "/data", warning: 0.8, error: 0.9, source: FixedDiskUsage(usage: full))
/// ```
public protocol DiskUsageSource: Sendable {
    /// The usage of the filesystem holding `path`.
    ///
    /// - Throws: when the figures cannot be read (a missing directory, no permission); the error's
    ///   description says why in words, as ``DiskUsageError`` does.
    func usage(of path: String) throws -> DiskUsage
}
