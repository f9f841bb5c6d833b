import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Small files replaced in one step: a temp file (0600) written and `fsync`ed, renamed over the
/// old one, then the directory `fsync`ed, so after a crash the file holds the old or the new bytes,
/// never a mix.
enum AtomicFile {
    /// Replaces `path` with `bytes`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("fsync", temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", temporary)
            unlink(temporary)
            throw error
        }
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw failure("open", directory) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw failure("fsync", directory) }
    }

    /// The bytes of `path`, nil when it does not exist.
    static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure("read", path) }
        return Array(data)
    }

    private static func failure(_ action: String, _ path: String) -> AuditFileError {
        AuditFileError("cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}

/// A shipper file (`shipped`, `journal-id`) that cannot be read or written, and why.
public struct AuditFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// E.g. `cannot rename /var/lib/bulwark/audit/shipped.tmp-12: No space left on device`.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
