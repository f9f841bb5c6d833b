import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's own resource use, read from `/proc/self`.
public struct ProcessSample: Sendable, Hashable {
    /// Resident set size in bytes.
    public var residentBytes: Int
    /// User plus system CPU time in seconds.
    public var cpuSeconds: Double
    /// Open file descriptors.
    public var openFiles: Int
    /// Threads.
    public var threads: Int

    /// Reads `/proc/self/stat` and `/proc/self/fd`; zeros where unavailable (not Linux).
    public static func current() -> ProcessSample {
        var sample = ProcessSample(residentBytes: 0, cpuSeconds: 0, openFiles: 0, threads: 0)
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after the command name, which may contain spaces: state is field 3.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            if let user = field(14), let system = field(15), ticks > 0 { sample.cpuSeconds = (user + system) / ticks }
            if let threads = field(20) { sample.threads = Int(threads) }
            if let pages = field(24) { sample.residentBytes = Int(pages) * pageSize }
        }
        sample.openFiles = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return sample
    }
}
