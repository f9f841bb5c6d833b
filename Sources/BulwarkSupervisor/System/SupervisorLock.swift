import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Proof that this process is the only `bulwark run` supervising one configuration: an exclusive
/// `flock` on a lock file named after the configuration, held until the lock is released.
///
/// The lock file is `DIRECTORY/bulwark-run-HASH.lock`, where `DIRECTORY` is `$XDG_RUNTIME_DIR`
/// (`/tmp` when unset) and `HASH` the first 16 hexadecimal digits of the SHA-256 of the key: the
/// configuration file's absolute, symlink-resolved path, or the command line of a run without a file.
/// The holder writes its pid into the file, so a second supervisor can name it:
///
/// ```swift
/// let lock = try SupervisorLock.acquire(forConfiguration: "bulwark.yaml")
/// // another bulwark run (pid 4242) already supervises /etc/bulwark/bulwark.yaml (lock /run/user/0/bulwark-run-….lock)
/// ```
///
/// The lock is released when the last reference goes away (its descriptor is closed) or when the
/// process exits, however it exits. The file itself stays: removing it would let two processes lock two
/// different files of the same name.
public final class SupervisorLock: Sendable {
    /// The lock file.
    public let path: String
    /// What the lock is held for: the configuration file, or the command line.
    public let subject: String
    private let descriptor: Int32

    private init(path: String, subject: String, descriptor: Int32) {
        self.path = path
        self.subject = subject
        self.descriptor = descriptor
    }

    deinit {
        // Still the holder: clear the pid so the file does not name a process that no longer holds it.
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }

    /// Locks the configuration file at `configurationPath` (resolved to its absolute, symlink-free path
    /// first, so two spellings of one file share a lock).
    ///
    /// - Parameters:
    ///   - configurationPath: The configuration file, as given on the command line.
    ///   - directory: Where the lock file lives; `nil` for ``defaultDirectory``.
    /// - Throws: ``SupervisorLockError``: another process holds the lock, or the lock file cannot be opened.
    public static func acquire(forConfiguration configurationPath: String, directory: String? = nil) throws -> SupervisorLock {
        let resolved = resolvedPath(configurationPath)
        return try acquire(key: resolved, subject: resolved, directory: directory)
    }

    /// Locks an arbitrary key, such as the command line of `bulwark run --instances 3 -- node app.js`.
    ///
    /// - Parameters:
    ///   - key: What is hashed into the lock file's name.
    ///   - subject: How the error names what is supervised; defaults to the key.
    ///   - directory: Where the lock file lives; `nil` for ``defaultDirectory``.
    /// - Throws: ``SupervisorLockError``: another process holds the lock, or the lock file cannot be opened.
    public static func acquire(key: String, subject: String? = nil, directory: String? = nil) throws -> SupervisorLock {
        let path = lockPath(key: key, directory: directory ?? defaultDirectory)
        let subject = subject ?? key
        // O_NOFOLLOW: in a shared /tmp, a symlink planted at the lock's name must not redirect the write.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw SupervisorLockError(.cannotOpen(reason: String(cString: strerror(errno))), subject: subject, lockPath: path)
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = code == EWOULDBLOCK ? readPID(descriptor) : nil
            close(descriptor)
            if code == EWOULDBLOCK { throw SupervisorLockError(.held(byPID: holder), subject: subject, lockPath: path) }
            throw SupervisorLockError(.cannotOpen(reason: String(cString: strerror(code))), subject: subject, lockPath: path)
        }
        _ = fchmod(descriptor, 0o600)
        _ = ftruncate(descriptor, 0)
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return SupervisorLock(path: path, subject: subject, descriptor: descriptor)
    }

    /// `$XDG_RUNTIME_DIR`; else, as root, `/run/bulwark` (created 0700); else `/tmp`.
    public static var defaultDirectory: String {
        if let value = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), !value.isEmpty { return value }
        // As root (a systemd service without a user session), /run is shared by every unit, unlike a
        // unit's PrivateTmp=/tmp.
        if getuid() == 0, mkdir("/run/bulwark", 0o700) == 0 || errno == EEXIST, access("/run/bulwark", W_OK) == 0 { return "/run/bulwark" }
        return "/tmp"
    }

    /// The lock file for `key` in `directory`: `DIRECTORY/bulwark-run-<16 hex digits>.lock`.
    public static func lockPath(key: String, directory: String) -> String {
        let digits = Array("0123456789abcdef")
        let hex = String(SHA256.hash(data: Array(key.utf8)).prefix(8).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
        let trimmed = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return "\(trimmed)/bulwark-run-\(hex).lock"
    }

    /// The absolute, symlink-resolved form of `path`; when it does not resolve (the file is missing), the
    /// path made absolute against the working directory.
    static func resolvedPath(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        if path.hasPrefix("/") { return path }
        guard let directory = getcwd(nil, 0) else { return path }
        defer { free(directory) }
        return String(cString: directory) + "/" + path
    }

    /// The pid the holder wrote, when it has written one.
    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        return Int32(text.prefix { $0.isNumber })
    }
}
