#if canImport(Glibc)
import Glibc
#endif

extension PortAvailability {
    /// The process listening on TCP `port` (on any address), as `pid 1234 (python3)`.
    ///
    /// Reads the listening sockets (state `0A`) of `/proc/net/tcp` and `/proc/net/tcp6` for their
    /// inodes, then looks through `/proc/PID/fd` for a descriptor linking to `socket:[INODE]`; the name
    /// is `/proc/PID/comm`. When several processes share the socket (a pre-forking server), the lowest pid
    /// is named, usually the parent.
    ///
    /// - Returns: `nil` when no such process can be seen: nothing listens, or the holder belongs to
    ///   another user (its descriptors are not readable without privileges).
    public static func holder(ofPort port: Int) -> String? {
        var inodes: Set<String> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readProcFile(table) else { continue }
            inodes.formUnion(listeningInodes(port: port, table: text))
        }
        guard !inodes.isEmpty else { return nil }
        let links = Set(inodes.map { "socket:[\($0)]" })
        for pid in processIDs().sorted() where holdsSocket(pid: pid, links: links) {
            let name = readProcFile("/proc/\(pid)/comm").map { String($0.prefix { $0 != "\n" }) } ?? "?"
            return "pid \(pid) (\(name))"
        }
        return nil
    }

    /// The inodes of the sockets listening on `port` in one `/proc/net/tcp`-format table (the header
    /// line, then `sl local_address rem_address st … uid timeout inode` per socket, addresses as
    /// `HEXADDR:HEXPORT`). Inode 0 (a socket being torn down) is skipped.
    static func listeningInodes(port: Int, table: String) -> Set<String> {
        var inodes: Set<String> = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A",
                  let colon = fields[1].lastIndex(of: ":"),
                  Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port,
                  fields[9] != "0"
            else { continue }
            inodes.insert(String(fields[9]))
        }
        return inodes
    }

    /// Whether one of the process's descriptors links to one of `links`.
    private static func holdsSocket(pid: Int32, links: Set<String>) -> Bool {
        let directory = "/proc/\(pid)/fd"
        for entry in directoryEntries(directory) {
            var buffer = [CChar](repeating: 0, count: 64)
            let count = readlink("\(directory)/\(entry)", &buffer, buffer.count - 1)
            guard count > 0 else { continue }
            let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if links.contains(target) { return true }
        }
        return false
    }

    /// The pids in `/proc`.
    private static func processIDs() -> [Int32] {
        directoryEntries("/proc").compactMap { Int32($0) }
    }

    /// The names in `path` (without `.` and `..`); empty when it cannot be read.
    private static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// A `/proc` file's text (they report size 0, so read until end of file); `nil` when unreadable.
    private static func readProcFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk.prefix(count))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
