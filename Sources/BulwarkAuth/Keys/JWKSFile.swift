#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let posixRead = Glibc.read
#elseif canImport(Darwin)
private let posixRead = Darwin.read
#endif

/// What `stat` says about a `jwks_file`: its identity (device, inode, size, modification time) or why
/// it cannot be seen. Two equal observations mean the file has not changed.
enum FileObservation: Sendable, Hashable {
    /// The file is there.
    case present(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64)
    /// `stat` failed with this `errno`.
    case absent(errno: Int32)
}

/// Reads `jwks_file`s: blocking POSIX calls on small files (at most ``maximumBytes``).
enum JWKSFile {
    /// The largest JWKS file read: 1 MiB.
    static let maximumBytes = 1 << 20

    /// The file's identity now.
    static func observe(_ path: String) -> FileObservation {
        var info = stat()
        guard stat(path, &info) == 0 else { return .absent(errno: errno) }
        return observation(of: info)
    }

    /// The file's bytes and the identity of the version read; a failure says why it cannot be read.
    static func read(_ path: String) -> (FileObservation, Result<[UInt8], KeySourceFailure>) {
        let name = "jwks_file \(path)"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            return (.absent(errno: code), .failure(KeySourceFailure("\(name) \(reason(code))")))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            return (.absent(errno: code), .failure(KeySourceFailure("\(name) \(reason(code))")))
        }
        let seen = observation(of: info)
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return (seen, .failure(KeySourceFailure("\(name) is not a regular file")))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= maximumBytes {
            let count = chunk.withUnsafeMutableBytes { posixRead(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return (seen, .failure(KeySourceFailure("\(name) \(reason(errno))")))
            }
            bytes.append(contentsOf: chunk[..<count])
        }
        guard bytes.count <= maximumBytes else {
            return (seen, .failure(KeySourceFailure("\(name) is larger than 1 MiB")))
        }
        return (seen, .success(bytes))
    }

    private static func observation(of info: stat) -> FileObservation {
        .present(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: Int64(info.st_mtim.tv_sec), modifiedNanoseconds: Int64(info.st_mtim.tv_nsec))
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "does not exist"
        case EACCES, EPERM: "cannot be read: permission denied"
        case EISDIR: "is a directory"
        default: "cannot be read: \(String(cString: strerror(code)))"
        }
    }
}
