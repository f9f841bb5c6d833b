/// Cuts a byte stream into lines: a pure value that is fed chunks as they arrive, so a line written in
/// several pieces comes out whole.
///
/// Lines end at `\n` (a `\r` before it is dropped too). A line longer than `maxLineBytes` keeps its first
/// `maxLineBytes` bytes (cut at a UTF-8 character boundary) followed by a marker such as
/// `… [line truncated, 139264 bytes dropped]`; the rest is skipped without being buffered. Bytes that are
/// not UTF-8 are replaced with U+FFFD.
struct LineSplitter {
    let maxLineBytes: Int
    private var current: [UInt8] = []
    private var dropped = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds `chunk`; calls `emit` for every line it completes.
    mutating func append(_ chunk: some Collection<UInt8>, _ emit: (String) -> Void) {
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            take(chunk[start..<newline])
            emit(takeLine())
            start = chunk.index(after: newline)
        }
        take(chunk[start...])
    }

    /// The end of the stream: emits the last line if it had no newline.
    mutating func finish(_ emit: (String) -> Void) {
        if !current.isEmpty || dropped > 0 { emit(takeLine()) }
    }

    private mutating func take(_ bytes: some Collection<UInt8>) {
        guard dropped == 0 else {
            dropped += bytes.count
            return
        }
        let room = maxLineBytes - current.count
        if bytes.count <= room {
            current.append(contentsOf: bytes)
            return
        }
        current.append(contentsOf: bytes.prefix(room))
        dropped = bytes.count - room
        if Self.isContinuation(bytes[bytes.index(bytes.startIndex, offsetBy: room)]) {
            // The cut splits a character: drop its first bytes too (its lead byte and ≤ 2 continuations).
            var cut = current.count
            while cut > 0, current.count - cut < 3 {
                cut -= 1
                if !Self.isContinuation(current[cut]) { break }
            }
            dropped += current.count - cut
            current.removeLast(current.count - cut)
        }
    }

    private mutating func takeLine() -> String {
        if dropped == 0, current.last == UInt8(ascii: "\r") { current.removeLast() }
        var line = String(decoding: current, as: UTF8.self)
        if dropped > 0 { line += "… [line truncated, \(dropped) bytes dropped]" }
        current.removeAll(keepingCapacity: current.count <= 4096)
        dropped = 0
        return line
    }

    private static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
}
