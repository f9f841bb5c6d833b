import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The memory and CPU use of a child's whole process tree, read from `/proc`: every process whose
/// process group is the child's (what `kill(-pid, …)` reaches), so workers an app forks count against its
/// `max_memory` too.
public struct ProcessTreeSample: Sendable, Hashable {
    /// The sum of the processes' resident set sizes, in bytes.
    public var residentBytes: Int
    /// The sum of the processes' user and system CPU time, in seconds.
    public var cpuSeconds: Double
    /// How many live processes the group has (0 once it is gone; zombies are not counted).
    public var processes: Int

    /// Creates a sample.
    public init(residentBytes: Int, cpuSeconds: Double, processes: Int) {
        self.residentBytes = residentBytes
        self.cpuSeconds = cpuSeconds
        self.processes = processes
    }

    /// Scans `/proc/[0-9]*/stat` and sums the processes of `processGroup` (a child's pid). Blocking, but
    /// brief: one small read per process on the machine. Processes that end during the scan are skipped.
    public static func read(processGroup: Int32) -> ProcessTreeSample {
        read(processGroups: [processGroup])[processGroup] ?? ProcessTreeSample(residentBytes: 0, cpuSeconds: 0, processes: 0)
    }

    /// The sums for each of `processGroups`, from one scan of `/proc` (a group with no process left
    /// gets zeros).
    public static func read(processGroups: Set<Int32>) -> [Int32: ProcessTreeSample] {
        var samples: [Int32: ProcessTreeSample] = [:]
        for group in processGroups where group > 0 { samples[group] = ProcessTreeSample(residentBytes: 0, cpuSeconds: 0, processes: 0) }
        guard !samples.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return samples }
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        for entry in entries where entry.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let line = readStat("/proc/\(entry)/stat"), let stat = ProcessStat(parsing: line),
                  samples[stat.processGroup] != nil, !stat.hasEnded else { continue }
            samples[stat.processGroup]?.processes += 1
            samples[stat.processGroup]?.residentBytes += stat.residentPages * pageSize
            samples[stat.processGroup]?.cpuSeconds += Double(stat.cpuTicks) / ticksPerSecond
        }
        return samples
    }

    /// A `stat` file's line (they are well under 1 KiB; `/proc` files report a size of 0, so read to EOF).
    private static func readStat(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n > 0 { count += n } else if n == 0 || errno != EINTR { break }
        }
        return count > 0 ? String(decoding: bytes[..<count], as: UTF8.self) : nil
    }
}
