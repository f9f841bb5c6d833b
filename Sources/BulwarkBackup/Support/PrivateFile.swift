import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files only their owner can read: archives, manifests, downloads and child-process output are all
/// created `0600` (and the backup directory is `0700`), whatever the process's umask.
enum PrivateFile {
    /// The mode of every file Bulwark writes for backups.
    static let fileMode: mode_t = 0o600
    /// The mode of the backup directory.
    static let directoryMode: mode_t = 0o700

    /// Creates `url` afresh with mode `0600` and opens it for writing. Whatever was at that path (a
    /// leftover file, or a symlink planted there) is unlinked first and never followed.
    static func create(at url: URL) throws(BackupError) -> FileHandle {
        let path = url.path
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard fd >= 0 else {
            throw BackupError("cannot create \(path): \(String(cString: strerror(errno))); check that \(url.deletingLastPathComponent().path) exists and is writable")
        }
        // The umask can only have removed bits; set the mode exactly.
        fchmod(fd, fileMode)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// What ``tighten(_:directory:)`` did.
    enum Tightening: Equatable {
        /// The mode had no group or other bits.
        case alreadyPrivate
        /// The mode was `from` and is now the private mode.
        case tightened(from: mode_t)
        /// Missing, or not of the expected kind (a file's symlink is never followed).
        case skipped
        /// chmod failed (not the owner, read-only file system…).
        case failed(from: mode_t, reason: String)
    }

    /// Sets a directory to ``directoryMode`` or a regular file to ``fileMode`` when group or other
    /// users have any permission on it. For a file, a symlink is left alone (opened with `O_NOFOLLOW`),
    /// so a link planted in the backup directory can never change the mode of a file elsewhere; the
    /// configured directory itself may be a symlink.
    static func tighten(_ path: String, directory: Bool) -> Tightening {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (directory ? O_DIRECTORY : O_NOFOLLOW))
        guard fd >= 0 else { return .skipped }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == (directory ? S_IFDIR : S_IFREG) else { return .skipped }
        let current = info.st_mode & 0o7777
        guard current & 0o077 != 0 else { return .alreadyPrivate }
        guard fchmod(fd, directory ? directoryMode : fileMode) == 0 else {
            return .failed(from: current, reason: String(cString: strerror(errno)))
        }
        return .tightened(from: current)
    }

    /// `0644` for a mode.
    static func octal(_ mode: mode_t) -> String { "0" + String(mode, radix: 8) }
}
