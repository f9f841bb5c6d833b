/// How full one filesystem is: space and inodes, as `statvfs(2)` reports them.
///
/// The ratios follow `df`: space reserved for the superuser counts neither as used nor as
/// available, so a disk whose unprivileged users have nothing left reads 100% even while root
/// could still write.
///
/// ```swift
/// let usage = DiskUsage(totalBytes: 1_000, availableBytes: 50, freeBytes: 100, totalInodes: 10, freeInodes: 9)
/// usage.spaceUsedRatio   // 900 / (900 + 50) ≈ 0.947
/// usage.inodesUsedRatio  // 0.1
/// ```
public struct DiskUsage: Sendable, Hashable {
    /// Size of the filesystem in bytes (`f_blocks × f_frsize`).
    public var totalBytes: UInt64
    /// Bytes unprivileged users may still write (`f_bavail × f_frsize`).
    public var availableBytes: UInt64
    /// Bytes free including the superuser's reserve (`f_bfree × f_frsize`); `nil` when unknown,
    /// and then ``availableBytes`` stands in for it.
    public var freeBytes: UInt64?
    /// Inodes of the filesystem (`f_files`); 0 on filesystems that do not count them.
    public var totalInodes: UInt64
    /// Free inodes (`f_ffree`).
    public var freeInodes: UInt64

    /// A usage from the raw figures.
    public init(totalBytes: UInt64, availableBytes: UInt64, freeBytes: UInt64?, totalInodes: UInt64, freeInodes: UInt64) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.freeBytes = freeBytes
        self.totalInodes = totalInodes
        self.freeInodes = freeInodes
    }

    /// Bytes in use: `totalBytes - freeBytes` (or `- availableBytes` when the free figure is
    /// unknown), never below 0.
    public var usedBytes: UInt64 {
        let free = freeBytes ?? availableBytes
        return totalBytes > free ? totalBytes - free : 0
    }

    /// Share of space in use, 0…1, as `df` computes it: `used / (used + available)`; 0 when both
    /// are 0.
    public var spaceUsedRatio: Double {
        let used = Double(usedBytes)
        let denominator = used + Double(availableBytes)
        return denominator > 0 ? used / denominator : 0
    }

    /// Share of inodes in use, 0…1; `nil` when the filesystem reports no inodes (btrfs, some
    /// network filesystems), and then inodes are not checked.
    public var inodesUsedRatio: Double? {
        guard totalInodes > 0 else { return nil }
        let used = totalInodes > freeInodes ? totalInodes - freeInodes : 0
        return Double(used) / Double(totalInodes)
    }
}
