#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads ``DiskUsage`` from the operating system with `statvfs(2)`.
///
/// The call is quick on local filesystems; on a hung network mount it blocks the calling thread
/// until the kernel gives up.
public struct StatvfsDiskUsageSource: DiskUsageSource {
    /// The system's source.
    public init() {}

    /// The usage of the filesystem holding `path`.
    ///
    /// - Throws: ``DiskUsageError``: `no such directory` when `path` does not exist, otherwise the
    ///   system's text for the error (`Permission denied`, `Not a directory`).
    public func usage(of path: String) throws -> DiskUsage {
        guard !path.isEmpty else { throw DiskUsageError(path: path, reason: "no directory given") }
        var stats = statvfs()
        var result: Int32
        repeat {
            result = statvfs(path, &stats)
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            let reason = code == ENOENT ? "no such directory" : String(cString: strerror(code))
            throw DiskUsageError(path: path, reason: reason, code: code)
        }
        let unit = stats.f_frsize > 0 ? UInt64(stats.f_frsize) : UInt64(stats.f_bsize)
        func bytes(_ blocks: UInt64) -> UInt64 {
            let (product, overflow) = blocks.multipliedReportingOverflow(by: unit)
            return overflow ? .max : product
        }
        return DiskUsage(
            totalBytes: bytes(UInt64(stats.f_blocks)),
            availableBytes: bytes(UInt64(stats.f_bavail)),
            freeBytes: bytes(UInt64(stats.f_bfree)),
            totalInodes: UInt64(stats.f_files),
            freeInodes: UInt64(stats.f_ffree)
        )
    }
}
