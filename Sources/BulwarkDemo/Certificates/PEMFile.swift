import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes PEM text to a file with an exact mode, atomically.
///
/// The text goes to a new temporary file in the same directory, created with `O_EXCL` and the mode set
/// before any byte is written (so a private key is never readable by others, whatever the umask or an
/// older file's mode), is flushed to disk, then renamed over `path`: a reader sees the old file or the
/// new one, never half of one.
enum PEMFile {
    /// Mode for private keys: read and write by the owner only.
    static let privateKeyMode: mode_t = 0o600
    /// Mode for certificates: readable by everyone.
    static let certificateMode: mode_t = 0o644

    static func save(_ text: String, to path: String, mode: mode_t) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).\(UInt64.random(in: .min ... .max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw failure("create", path, errno)
        }
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            guard fchmod(descriptor, mode) == 0 else { throw failure("set the mode of", path, errno) }
            try writeAll(Array(text.utf8), to: descriptor, path: path)
            guard fsync(descriptor) == 0 else { throw failure("flush", path, errno) }
        }
        guard rename(temporary, path) == 0 else {
            throw failure("replace", path, errno)
        }
        renamed = true
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                #if canImport(Darwin)
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #elseif canImport(Musl)
                Musl.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path, errno)
            }
            offset += written
        }
    }

    private static func failure(_ action: String, _ path: String, _ code: Int32) -> CertificateFactoryError {
        CertificateFactoryError(.fileWrite, "could not \(action) \(path): \(String(cString: strerror(code))); check that the directory exists and is writable")
    }
}
