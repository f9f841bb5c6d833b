#if canImport(Glibc)
import Glibc
#endif

/// The segment being written: its descriptor and the offset where intact data ends. Owned by the
/// writer thread alone.
///
/// Records are written with `pwrite` at ``offset``; when a write fails part-way the file is cut back
/// to ``offset`` (and, when even that fails, the next write tries the cut again first), so no partial
/// record stays behind a failure.
final class JournalSegmentFile {
    let segment: JournalSegment
    let path: String
    /// Where intact data ends: the next record goes here.
    private(set) var offset: Int
    private let descriptor: Int32
    /// Bytes past ``offset`` may be left from a failed write.
    private var tailDirty = false

    private init(segment: JournalSegment, path: String, descriptor: Int32, offset: Int) {
        self.segment = segment
        self.path = path
        self.descriptor = descriptor
        self.offset = offset
    }

    deinit { close(descriptor) }

    /// Opens an existing segment whose intact data ends at `offset` (recovery has cut anything after it).
    static func open(_ segment: JournalSegment, in directory: String, offset: Int) throws(JournalIOError) -> JournalSegmentFile {
        let path = JournalFiles.path(directory, segment.fileName)
        let descriptor = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalIOError("open \(segment.fileName)") }
        _ = fchmod(descriptor, 0o600)
        return JournalSegmentFile(segment: segment, path: path, descriptor: descriptor, offset: offset)
    }

    /// Creates `segment` in one step: its header is written and `fsync`ed under a temp name, renamed into
    /// place, then the directory is `fsync`ed, so no reader and no recovery ever sees a segment without
    /// its header.
    static func create(_ segment: JournalSegment, in directory: String) throws(JournalIOError) -> JournalSegmentFile {
        let path = JournalFiles.path(directory, segment.fileName)
        let temporary = path + ".tmp"
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalIOError("create \(segment.fileName)") }
        do throws(JournalIOError) {
            try JournalFiles.write(segment.header, to: descriptor, at: 0)
            guard fsync(descriptor) == 0 else { throw JournalIOError("fsync \(segment.fileName)") }
            guard rename(temporary, path) == 0 else { throw JournalIOError("rename \(segment.fileName)") }
            try JournalFiles.syncDirectory(directory)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        return JournalSegmentFile(segment: segment, path: path, descriptor: descriptor, offset: JournalSegment.headerBytes)
    }

    /// Whether the segment holds any record.
    var hasRecords: Bool { offset > JournalSegment.headerBytes }

    /// Appends `bytes` at ``offset``. On failure the file is cut back to ``offset``, which does not move.
    func append(_ bytes: [UInt8]) throws(JournalIOError) {
        if tailDirty { try cut(to: offset) }
        do throws(JournalIOError) {
            try JournalFiles.write(bytes, to: descriptor, at: offset)
        } catch {
            try? cut(to: offset)
            throw error
        }
        offset += bytes.count
    }

    /// Takes back the last `count` bytes appended (their `fdatasync` failed, so they are not kept).
    func takeBack(_ count: Int) {
        offset -= count
        try? cut(to: offset)
    }

    /// `fdatasync`: everything appended so far is on disk when it returns.
    func sync() throws(JournalIOError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw JournalIOError("fdatasync")
        }
    }

    private func cut(to length: Int) throws(JournalIOError) {
        tailDirty = true
        while ftruncate(descriptor, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw JournalIOError("truncate")
        }
        tailDirty = false
    }
}
