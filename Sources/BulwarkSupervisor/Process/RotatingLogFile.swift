import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An append-only log file (`NAME.log`, mode `0600`, in a directory created `0700`) that rotates by size:
/// when a write would take it past `maxBytes`, `NAME.log` becomes `NAME.log.1`, `NAME.log.1` becomes
/// `NAME.log.2`… up to `NAME.log.KEEP`, the oldest is dropped, and a new `NAME.log` is opened.
///
/// Files are cut between lines: a write is split at its last newline that still fits, and a single line
/// longer than `maxBytes` goes alone into a file of its own (the only way a file exceeds `maxBytes`).
///
/// Safe to share between threads. ``write(_:)`` never throws: the first failure of a run of failures
/// (disk full, directory removed) is passed to `onError`, the data of failed writes is lost, and each later
/// write tries again (reopening the file if needed).
public final class RotatingLogFile: Sendable {
    /// The directory holding the files.
    public let directory: String
    /// The file name without `.log`.
    public let name: String
    /// The size a file may reach before rotation, in bytes.
    public let maxBytes: Int
    /// How many rotated files are kept (`NAME.log.1` … `NAME.log.KEEP`); 0 keeps none.
    public let keep: Int

    private let state: Mutex<State>
    private let onError: @Sendable (LogFileError) -> Void

    private struct State {
        var descriptor: Int32
        var size: Int
        var failing = false
    }

    /// The current file: `DIRECTORY/NAME.log`.
    public var path: String { "\(directory)/\(name).log" }

    /// Opens (or creates) `DIRECTORY/NAME.log` for appending, creating `directory` with mode `0700` if
    /// it is missing.
    ///
    /// - Parameters:
    ///   - maxBytes: at least 1.
    ///   - keep: at least 0.
    ///   - onError: told about write failures, once per run of failures.
    /// - Throws: ``LogFileError`` when the directory or the file cannot be created, or an argument is invalid.
    public init(directory: String, name: String, maxBytes: Int, keep: Int, onError: @escaping @Sendable (LogFileError) -> Void = { _ in }) throws {
        guard maxBytes >= 1, keep >= 0, !name.isEmpty, !name.contains("/") else {
            throw LogFileError(path: "\(directory)/\(name).log", reason: "invalid settings: name must be non-empty without '/', max size ≥ 1, keep ≥ 0")
        }
        self.directory = directory
        self.name = name
        self.maxBytes = maxBytes
        self.keep = keep
        self.onError = onError
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LogFileError(path: directory, reason: "cannot create the log directory: \(error.localizedDescription)")
        }
        let path = "\(directory)/\(name).log"
        let (descriptor, size) = try Self.open(path).get()
        state = Mutex(State(descriptor: descriptor, size: size))
    }

    deinit {
        state.withLock { if $0.descriptor >= 0 { close($0.descriptor) } }
    }

    /// Appends `bytes`, rotating first whenever they would not fit (see the type's description).
    public func write(_ bytes: some Collection<UInt8>) {
        if bytes.isEmpty { return }
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            state.withLock { writeLocked(UnsafeRawBufferPointer(buffer), &$0) }
        }
        let failure = contiguous ?? Array(bytes).withUnsafeBytes { buffer in
            state.withLock { writeLocked(buffer, &$0) }
        }
        if let failure { onError(failure) }
    }

    /// Writes under the lock; returns a failure to report (the first of a run) after unlocking.
    private func writeLocked(_ bytes: UnsafeRawBufferPointer, _ state: inout State) -> LogFileError? {
        var rest = bytes[...]
        var failure: LogFileError?
        var rotated = false
        while !rest.isEmpty {
            if state.descriptor < 0 {
                switch Self.open(path) {
                case .success(let (descriptor, size)): (state.descriptor, state.size) = (descriptor, size)
                case .failure(let error): failure = error
                }
                if failure != nil { break }
            }
            let room = max(0, maxBytes - state.size)
            let piece: Slice<UnsafeRawBufferPointer>
            if rest.count <= room {
                piece = rest
            } else if let newline = rest.prefix(room).lastIndex(of: UInt8(ascii: "\n")) {
                piece = rest[...newline]
            } else if state.size > 0, !rotated {
                failure = rotate(&state)
                if failure != nil { break }
                rotated = true
                continue
            } else {
                // A line longer than a whole file: alone in this one.
                piece = rest[...(rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.index(before: rest.endIndex))]
            }
            if let error = append(UnsafeRawBufferPointer(rebasing: piece), &state) {
                failure = error
                break
            }
            rest = rest[piece.endIndex...]
            rotated = false
        }
        let wasFailing = state.failing
        state.failing = failure != nil
        return wasFailing ? nil : failure
    }

    private func append(_ bytes: UnsafeRawBufferPointer, _ state: inout State) -> LogFileError? {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(state.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written == 0 || errno != EINTR {
                let reason = written == 0 ? "the file accepted no data" : String(cString: strerror(errno))
                state.size += offset
                return LogFileError(path: path, reason: "cannot write: \(reason)")
            }
        }
        state.size += offset
        return nil
    }

    /// `NAME.log.(KEEP-1)` → `NAME.log.KEEP` … `NAME.log` → `NAME.log.1`, then a new `NAME.log`.
    private func rotate(_ state: inout State) -> LogFileError? {
        close(state.descriptor)
        state.descriptor = -1
        if keep == 0 {
            unlink(path)
        } else {
            for index in stride(from: keep - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            if rename(path, "\(path).1") != 0, errno != ENOENT {
                return LogFileError(path: path, reason: "cannot rotate: \(String(cString: strerror(errno)))")
            }
        }
        switch Self.open(path) {
        case .success(let (descriptor, size)):
            (state.descriptor, state.size) = (descriptor, size)
            return nil
        case .failure(let error):
            return error
        }
    }

    private static func open(_ path: String) -> Result<(Int32, Int), LogFileError> {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            return .failure(LogFileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))"))
        }
        fchmod(descriptor, 0o600)
        var info = stat()
        fstat(descriptor, &info)
        return .success((descriptor, Int(info.st_size)))
    }
}
