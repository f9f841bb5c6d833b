/// Checks how full the filesystem holding a directory is: the worse of space and inodes in use,
/// against a warning and an error threshold (`disk:` in `health.checks`).
///
/// ```swift
/// let probe = DiskProbe(path: "/var/lib/bulwark", warning: 0.8, error: 0.9)
/// await probe.probe(timeout: .seconds(2))
/// // .failed("92.1% of space used on /var/lib/bulwark (error at 90%)")
/// ```
public struct DiskProbe: DependencyProbe {
    /// A directory on the filesystem to check.
    public let path: String
    /// Share in use (0…1) at or above which the check is degraded.
    public let warning: Double
    /// Share in use (0…1) at or above which the check fails.
    public let error: Double
    /// Where the figures come from.
    public let source: any DiskUsageSource

    /// A probe of the filesystem holding `path`.
    ///
    /// - Parameters:
    ///   - path: a directory on the filesystem to check.
    ///   - warning: share of space or inodes in use (0…1) from which the check warns.
    ///   - error: share in use (0…1) from which the check fails.
    ///   - source: where the figures come from. Defaults to `statvfs(2)`.
    public init(path: String, warning: Double, error: Double, source: any DiskUsageSource = StatvfsDiskUsageSource()) {
        self.path = path
        self.warning = warning
        self.error = error
        self.source = source
    }

    /// Reads the usage once and judges it with ``evaluate(_:warning:error:path:)``; a path that
    /// cannot be read fails (`cannot read /x: no such directory`). Does not wait: `timeout` is
    /// not needed.
    public func probe(timeout: Duration) async -> ProbeOutcome {
        do {
            return Self.evaluate(try source.usage(of: path), warning: warning, error: error, path: path)
        } catch let failure as DiskUsageError {
            return .failed("cannot read \(path): \(failure.reason)")
        } catch {
            return .failed("cannot read \(path): \(error)")
        }
    }

    /// Judges a usage: the larger of ``DiskUsage/spaceUsedRatio`` and
    /// ``DiskUsage/inodesUsedRatio`` (inodes only where the filesystem counts them) decides.
    ///
    /// | Share in use | Outcome |
    /// | --- | --- |
    /// | ≥ `error` | `.failed("92.1% of space used on /data (error at 90%)")` |
    /// | ≥ `warning` | `.warning("85.0% of inodes used on /data (warning at 80%)")` |
    /// | below both | `.passed(detail: "34.0% of space, 2.1% of inodes used")` |
    ///
    /// - Parameters:
    ///   - usage: the figures.
    ///   - warning: share (0…1) from which the outcome is a warning.
    ///   - error: share (0…1) from which the outcome is a failure; checked before `warning`.
    ///   - path: named in warnings and failures (`on /data`); left out when `nil`.
    public static func evaluate(_ usage: DiskUsage, warning: Double, error: Double, path: String? = nil) -> ProbeOutcome {
        let space = usage.spaceUsedRatio
        let inodes = usage.inodesUsedRatio
        let (worst, resource) = if let inodes, inodes > space { (inodes, "inodes") } else { (space, "space") }
        let location = path.map { " on \($0)" } ?? ""
        if worst >= error {
            return .failed("\(percent(worst)) of \(resource) used\(location) (error at \(threshold(error)))")
        }
        if worst >= warning {
            return .warning("\(percent(worst)) of \(resource) used\(location) (warning at \(threshold(warning)))")
        }
        guard let inodes else { return .passed(detail: "\(percent(space)) of space used") }
        return .passed(detail: "\(percent(space)) of space, \(percent(inodes)) of inodes used")
    }

    /// `0.9213` → `92.1%`.
    static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite, abs(ratio) < 1e12 else { return "\(ratio * 100)%" }
        let tenths = Int((ratio * 1_000).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)%"
    }

    /// A threshold without a needless `.0`: `0.9` → `90%`, `0.855` → `85.5%`.
    static func threshold(_ ratio: Double) -> String {
        let text = percent(ratio)
        return text.hasSuffix(".0%") ? String(text.dropLast(3)) + "%" : text
    }
}
