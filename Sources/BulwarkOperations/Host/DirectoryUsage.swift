/// The usage of the filesystem holding one directory the gateway writes to, or why it could not be
/// read.
public struct DirectoryUsage: Sendable, Hashable {
    /// What the directory is for: `backup`, `journal`, or the name of a `disk` check.
    public var label: String
    /// The directory.
    public var path: String
    /// The figures; `nil` when they could not be read.
    public var usage: DiskUsage?
    /// Why the figures could not be read (`no such directory: /x`); `nil` when they were.
    public var error: String?

    /// A directory's usage, or the error reading it.
    public init(label: String, path: String, usage: DiskUsage?, error: String?) {
        self.label = label
        self.path = path
        self.usage = usage
        self.error = error
    }
}
