import NIOCore

/// Finds where each HTTP/1.1 response ends in the bytes a target sends, without allocating: status
/// line, the three headers that frame a message (`Content-Length`, `Transfer-Encoding`, `Connection`),
/// and a body by length, by chunks, or until the connection closes.
///
/// A pure value: feed it bytes, it reports complete responses. Everything else in a response is skipped.
/// Interim `1xx` responses are skipped too; `HEAD` answers, `204` and `304` have no body.
struct ResponseFramer {
    /// A complete response.
    struct Response: Equatable {
        /// The status code.
        var status: Int
        /// False when the target asked to close (`Connection: close`, HTTP/1.0 without keep-alive, or a
        /// body delimited by the end of the connection).
        var keepAlive: Bool
    }

    /// Why the bytes are not an HTTP/1.1 response.
    struct Malformed: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// The longest status line or header line accepted.
    static let maximumLineLength = 16 * 1024
    /// The most header bytes accepted per response.
    static let maximumHeaderBytes = 64 * 1024

    private enum State: Equatable {
        case statusLine
        case headers
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.statusLine
    /// The start of a line that arrived without its end: kept until the rest arrives (the only copy the
    /// framer makes, and only when a read ends mid-line).
    private var carried: ByteBuffer?
    private var status = 0
    private var contentLength: Int?
    private var chunked = false
    private var keepAlive = true
    private var headerBytes = 0
    private var expectsBody = true

    /// Starts waiting for the answer to a request; `expectsBody` is false for `HEAD`.
    mutating func expectResponse(expectsBody: Bool) {
        self.expectsBody = expectsBody
        reset()
    }

    /// Consumes bytes from `buffer` up to the end of the next complete response and returns it, or
    /// consumes everything and returns nil when the response is not complete yet (a partial line is kept
    /// and joined with the next bytes).
    mutating func next(from buffer: inout ByteBuffer) throws(Malformed) -> Response? {
        if var start = carried {
            carried = nil
            start.writeBuffer(&buffer)
            buffer = start
        }
        while buffer.readableBytes > 0 {
            switch state {
            case .statusLine:
                guard let line = try takeLine(from: &buffer) else { return nil }
                try readStatusLine(line)
                state = .headers
            case .headers:
                guard let line = try takeLine(from: &buffer) else { return nil }
                if line.isEmpty {
                    if let response = try endOfHeaders() { return response }
                } else {
                    try readHeader(line)
                }
            case .fixedBody(let remaining):
                let taken = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: taken)
                if taken == remaining { return finish() }
                state = .fixedBody(remaining: remaining - taken)
            case .chunkSize:
                guard let line = try takeLine(from: &buffer) else { return nil }
                let size = try chunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let taken = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: taken)
                state = taken == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - taken)
            case .chunkDataEnd:
                guard let line = try takeLine(from: &buffer) else { return nil }
                guard line.isEmpty else { throw Malformed(description: "chunk data longer than its size") }
                state = .chunkSize
            case .trailers:
                guard let line = try takeLine(from: &buffer) else { return nil }
                if line.isEmpty { return finish() }
            case .untilClose:
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
        }
        return nil
    }

    /// The connection closed: the response that ends at the close, if one was being read that way.
    mutating func connectionClosed() -> Response? {
        guard state == .untilClose else { return nil }
        return finish()
    }

    // MARK: - Pieces

    private mutating func reset() {
        state = .statusLine
        carried = nil
        status = 0
        contentLength = nil
        chunked = false
        keepAlive = true
        headerBytes = 0
    }

    private mutating func finish() -> Response {
        let response = Response(status: status, keepAlive: keepAlive && state != .untilClose)
        let body = expectsBody
        reset()
        expectsBody = body
        return response
    }

    /// The next line without its CR LF, as a slice of `buffer`'s bytes; nil when no full line has arrived
    /// (then the partial line is carried over to the next call).
    private mutating func takeLine(from buffer: inout ByteBuffer) throws(Malformed) -> ByteBufferView? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maximumLineLength { throw Malformed(description: "line longer than \(Self.maximumLineLength) bytes") }
            carried = buffer
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
        }
        let length = newline - view.startIndex
        headerBytes += length + 1
        if headerBytes > Self.maximumHeaderBytes, state == .headers || state == .statusLine {
            throw Malformed(description: "response head larger than \(Self.maximumHeaderBytes) bytes")
        }
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = view[view.startIndex..<end]
        buffer.moveReaderIndex(forwardBy: length + 1)
        return line
    }

    private mutating func readStatusLine(_ line: ByteBufferView) throws(Malformed) {
        // "HTTP/1.1 200 OK": the version, one space, three digits.
        let start = line.startIndex
        guard line.count >= 12, Self.hasPrefix(line, "HTTP/1."), line[start + 8] == UInt8(ascii: " ") else {
            throw Malformed(description: "not an HTTP/1.x status line")
        }
        var code = 0
        for offset in 9..<12 {
            let byte = line[start + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw Malformed(description: "status code is not three digits") }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard code >= 100, line.count == 12 || line[start + 12] == UInt8(ascii: " ") else {
            throw Malformed(description: "status code is not three digits")
        }
        status = code
        keepAlive = line[start + 7] != UInt8(ascii: "0")  // HTTP/1.0 closes unless it says keep-alive
    }

    private mutating func readHeader(_ line: ByteBufferView) throws(Malformed) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw Malformed(description: "header line without ':'") }
        let name = line[line.startIndex..<colon]
        var valueStart = colon + 1
        var valueEnd = line.endIndex
        while valueStart < valueEnd, line[valueStart] == UInt8(ascii: " ") || line[valueStart] == UInt8(ascii: "\t") { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == UInt8(ascii: " ") || line[valueEnd - 1] == UInt8(ascii: "\t") { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        if Self.equalsIgnoringCase(name, "content-length") {
            var length = 0
            guard !value.isEmpty else { throw Malformed(description: "empty Content-Length") }
            for byte in value {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), length < Int.max / 10 - 10 else {
                    throw Malformed(description: "Content-Length is not a number")
                }
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
            }
            if let known = contentLength, known != length { throw Malformed(description: "two different Content-Length values") }
            contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            chunked = Self.endsWithIgnoringCase(value, "chunked")
        } else if Self.equalsIgnoringCase(name, "connection") {
            if Self.containsIgnoringCase(value, "close") { keepAlive = false }
            if Self.containsIgnoringCase(value, "keep-alive") { keepAlive = true }
        }
    }

    /// Decides how the body is framed; returns the response when it has no body.
    private mutating func endOfHeaders() throws(Malformed) -> Response? {
        if status < 200 {  // interim response: the real one follows
            let body = expectsBody
            reset()
            expectsBody = body
            return nil
        }
        if !expectsBody || status == 204 || status == 304 { return finish() }
        if chunked {
            state = .chunkSize
        } else if let contentLength {
            if contentLength == 0 { return finish() }
            state = .fixedBody(remaining: contentLength)
        } else {
            state = .untilClose
        }
        return nil
    }

    private func chunkSize(_ line: ByteBufferView) throws(Malformed) -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                guard digits > 0 else { throw Malformed(description: "chunk size missing") }
                return size  // chunk extensions are ignored
            default: throw Malformed(description: "chunk size is not hexadecimal")
            }
            guard digits < 15 else { throw Malformed(description: "chunk size too large") }
            size = size * 16 + value
            digits += 1
        }
        guard digits > 0 else { throw Malformed(description: "chunk size missing") }
        return size
    }

    // MARK: - Byte comparisons (ASCII, no allocation)

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func hasPrefix(_ bytes: ByteBufferView, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { expected in
            var index = bytes.startIndex
            for byte in expected {
                if bytes[index] != byte { return false }
                index += 1
            }
            return true
        }
    }

    private static func equalsIgnoringCase(_ bytes: ByteBufferView, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            var index = bytes.startIndex
            for byte in expected {
                if lower(bytes[index]) != byte { return false }
                index += 1
            }
            return true
        }
    }

    private static func endsWithIgnoringCase(_ bytes: ByteBufferView, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return equalsIgnoringCase(bytes[(bytes.endIndex - count)..<bytes.endIndex], lowercase)
    }

    private static func containsIgnoringCase(_ bytes: ByteBufferView, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        var start = bytes.startIndex
        while start + count <= bytes.endIndex {
            if equalsIgnoringCase(bytes[start..<(start + count)], lowercase) { return true }
            start += 1
        }
        return false
    }
}
