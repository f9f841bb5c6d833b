/// The host's figures at one moment: network counters per interface, and how full the
/// filesystems of the directories the gateway writes to are.
public struct HostSample: Sendable, Hashable {
    /// `/proc/net/dev`'s interfaces; empty where it cannot be read.
    public var network: [NetworkInterfaceCounters]
    /// One entry per directory asked about, in the order asked.
    public var directories: [DirectoryUsage]

    /// A sample from its parts.
    public init(network: [NetworkInterfaceCounters], directories: [DirectoryUsage]) {
        self.network = network
        self.directories = directories
    }

    /// Reads the network counters and the usage of each directory; a directory that cannot be
    /// read gets its error instead of figures, and the others are still read.
    ///
    /// ```swift
    /// let sample = HostSample.read(directories: [("backup", "/var/backups/bulwark"), ("journal", "/var/lib/bulwark")])
    /// ```
    ///
    /// - Parameters:
    ///   - directories: a label (`backup`, `journal`, a check's name) and a path for each.
    ///   - source: where the usage figures come from. Defaults to `statvfs(2)`.
    public static func read(
        directories: [(label: String, path: String)],
        source: any DiskUsageSource = StatvfsDiskUsageSource()
    ) -> HostSample {
        let usages = directories.map { directory in
            do {
                return DirectoryUsage(label: directory.label, path: directory.path, usage: try source.usage(of: directory.path), error: nil)
            } catch {
                return DirectoryUsage(label: directory.label, path: directory.path, usage: nil, error: "\(error)")
            }
        }
        return HostSample(network: ProcNetDev.read(), directories: usages)
    }
}
