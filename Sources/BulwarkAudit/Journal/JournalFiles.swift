import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file-system calls the journal makes: its directory (0700), whole-file reads, directory `fsync`,
/// segment listing and atomic small-file replacement (0600).
enum JournalFiles {
    /// Creates `directory` (and its parents) 0700, or tightens an existing one that is looser.
    static func prepareDirectory(_ directory: String) throws(AuditJournalError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AuditJournalError(.io, "cannot create the audit journal directory \(directory): \(error.localizedDescription)")
        }
        var info = stat()
        guard stat(directory, &info) == 0 else { throw failure("stat", directory) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw AuditJournalError(.io, "\(directory) is not a directory") }
        if info.st_mode & 0o077 != 0, chmod(directory, 0o700) != 0 { throw failure("chmod 0700", directory) }
    }

    /// The segments in `directory`, oldest first.
    static func segments(in directory: String) throws(AuditJournalError) -> [JournalSegment] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw AuditJournalError(.missing, "no audit journal at \(directory): \(error.localizedDescription)")
        }
        return names.compactMap(JournalSegment.init(fileName:)).sorted()
    }

    /// The whole file at `path`.
    static func read(_ path: String) throws(AuditJournalError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        var bytes = [UInt8]()
        var info = stat()
        if fstat(descriptor, &info) == 0 { bytes.reserveCapacity(Int(info.st_size)) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }

    /// The size of the file at `path`, 0 when it cannot be read.
    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// `fsync`s `directory`, so that files created, renamed or removed in it stay so after a crash.
    static func syncDirectory(_ directory: String) throws(JournalIOError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalIOError("open directory") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw JournalIOError("fsync directory") }
    }

    /// Writes all of `bytes` to `descriptor` at `offset`, retrying partial writes and `EINTR`.
    static func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int) throws(JournalIOError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(offset + written))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw JournalIOError("write", code: count == 0 ? EIO : errno) }
            written += count
        }
    }

    /// Replaces `path` with `bytes` in one step: a temp file (0600) written and `fsync`ed, renamed over
    /// `path`, then the directory `fsync`ed. After a crash the file holds the old or the new bytes.
    static func replace(_ path: String, with bytes: [UInt8]) throws(JournalIOError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalIOError("create \((temporary as NSString).lastPathComponent)") }
        do throws(JournalIOError) {
            try write(bytes, to: descriptor, at: 0)
            guard fsync(descriptor) == 0 else { throw JournalIOError("fsync \((temporary as NSString).lastPathComponent)") }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = JournalIOError("rename \((temporary as NSString).lastPathComponent)")
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// `path` joined to `directory`.
    static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    private static func failure(_ action: String, _ path: String) -> AuditJournalError {
        AuditJournalError(.io, "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
