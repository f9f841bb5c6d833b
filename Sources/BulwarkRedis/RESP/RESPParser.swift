import NIOCore

/// An incremental RESP2/RESP3 parser: a pure value type that turns a byte stream into ``RESPValue``s.
///
/// Keep one parser per stream and hand it the stream's bytes in a `ByteBuffer`, appending to that buffer as
/// more arrive. Each call consumes what it could use and remembers where it stopped: aggregates still
/// missing elements stay on an internal stack, a line or bulk string that has not fully arrived stays in the
/// buffer, and the next call resumes there. A reply delivered in many small pieces is therefore read once,
/// in time linear in its size, and a reply split at any byte boundary parses to the same values.
///
/// ```swift
/// var parser = RESPParser()
/// var buffer = ByteBuffer()
/// for chunk in chunks {
///     buffer.writeBytes(chunk)
///     while let value = try parser.parse(&buffer) { handle(value) }
/// }
/// ```
///
/// Malformed input, and input beyond the limits below, throws ``RESPParseError``; from then on the parser
/// throws that same error on every call (the connection is expected to close). Attributes (`|`) are read
/// and dropped; the value they annotate is returned.
public struct RESPParser: Sendable {
    /// The default ``maximumDepth``: 64 levels.
    public static let defaultMaximumDepth = 64
    /// The default ``maximumLength``: 512 MiB, Redis's own `proto-max-bulk-len`.
    public static let defaultMaximumLength = 512 * 1024 * 1024
    /// The default ``maximumLineLength``: 64 KiB.
    public static let defaultMaximumLineLength = 64 * 1024

    /// The most levels of nesting accepted. Every array, map, set, push and attribute that holds something
    /// is one level (an attribute's level holds its own entries and the value it annotates), so a chain of
    /// attributes in front of one value counts each of them. Deeper input throws.
    public var maximumDepth: Int
    /// The longest bulk string (in bytes) and the largest aggregate (in elements, or pairs for maps and
    /// attributes) accepted. An aggregate's declared size is never allocated up front.
    public var maximumLength: Int
    /// The longest line accepted after a type byte: simple strings, errors, numbers and length headers.
    public var maximumLineLength: Int

    /// Aggregates and attributes still waiting for elements, outermost first.
    private var stack: [Frame] = []
    /// The blob whose header was read and whose bytes have not all arrived.
    private var pendingBlob: PendingBlob?
    /// How many bytes after the type byte of the line at the buffer's reader index hold no CR: the search
    /// for the line's end resumes there.
    private var scannedLineBytes = 0
    /// The error this parser failed with; every later call throws it again.
    private var failure: RESPParseError?

    /// Creates a parser with the given limits.
    /// - Parameters:
    ///   - maximumDepth: the most levels of nesting; defaults to ``defaultMaximumDepth``.
    ///   - maximumLength: the longest bulk string and largest aggregate; defaults to ``defaultMaximumLength``.
    ///   - maximumLineLength: the longest line; defaults to ``defaultMaximumLineLength``.
    public init(
        maximumDepth: Int = RESPParser.defaultMaximumDepth,
        maximumLength: Int = RESPParser.defaultMaximumLength,
        maximumLineLength: Int = RESPParser.defaultMaximumLineLength
    ) {
        self.maximumDepth = maximumDepth
        self.maximumLength = maximumLength
        self.maximumLineLength = maximumLineLength
    }

    /// Reads the next complete top-level value from the front of `buffer`.
    ///
    /// Consumes the bytes of every element it finishes, including those of a value it cannot complete yet
    /// (they are kept in the parser); the bytes of an element that has not fully arrived stay in `buffer`.
    /// Call again with the same buffer after appending more bytes to it.
    /// - Returns: the next value, or `nil` when more bytes are needed.
    /// - Throws: ``RESPParseError`` for malformed input or input beyond the limits.
    public mutating func parse(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPValue? {
        if let failure { throw failure }
        do throws(RESPParseError) {
            while true {
                switch try step(&buffer) {
                case .needMoreData:
                    return nil
                case .opened:
                    continue
                case .value(let value):
                    if let complete = finish(value) { return complete }
                }
            }
        } catch {
            failure = error
            throw error
        }
    }

    private enum Step {
        case value(RESPValue)
        case opened
        case needMoreData
    }

    /// Reads one element: a scalar, or the header of an aggregate or attribute.
    private mutating func step(_ buffer: inout ByteBuffer) throws(RESPParseError) -> Step {
        if let blob = pendingBlob {
            guard buffer.readableBytes >= blob.length + 2 else { return .needMoreData }
            pendingBlob = nil
            let bytes = buffer.readSlice(length: blob.length)!
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw RESPParseError("blob of \(blob.length) bytes not followed by CRLF")
            }
            return .value(Self.blobValue(marker: blob.marker, bytes: bytes))
        }
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
        guard Self.knownMarkers.contains(marker) else {
            throw RESPParseError("unknown type byte 0x\(String(marker, radix: 16))")
        }
        guard let line = try readLine(&buffer) else { return .needMoreData }
        switch marker {
        case UInt8(ascii: "+"): return .value(.simpleString(line))
        case UInt8(ascii: "-"): return .value(.error(line))
        case UInt8(ascii: ":"): return .value(.integer(try Self.integer(line)))
        case UInt8(ascii: "_"):
            guard line.isEmpty else { throw RESPParseError("null with a payload '\(line)'") }
            return .value(.null)
        case UInt8(ascii: "#"):
            switch line {
            case "t": return .value(.boolean(true))
            case "f": return .value(.boolean(false))
            default: throw RESPParseError("boolean '\(line)' is neither t nor f")
            }
        case UInt8(ascii: ","):
            switch line.lowercased() {
            case "inf": return .value(.double(.infinity))
            case "-inf": return .value(.double(-.infinity))
            case "nan": return .value(.double(.nan))
            default:
                guard let value = Double(line) else { throw RESPParseError("double '\(line)' is not a number") }
                return .value(.double(value))
            }
        case UInt8(ascii: "("):
            guard !line.isEmpty, line.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber) else {
                throw RESPParseError("big number '\(line)' is not an integer")
            }
            return .value(.bigNumber(line))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try Self.integer(line)
            if length == -1 { return .value(Self.nullBlobValue(marker: marker)) }
            guard length >= 0, length <= lengthLimit else { throw RESPParseError("invalid blob length \(length)") }
            pendingBlob = PendingBlob(marker: marker, length: Int(length))
            return try step(&buffer)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            let count = try Self.integer(line)
            if count == -1 { return .value(marker == UInt8(ascii: "*") ? .null : Frame(kind: .init(marker), count: 0).value) }
            guard count >= 0, count <= lengthLimit else { throw RESPParseError("invalid aggregate length \(count)") }
            return try open(Frame(kind: .init(marker), count: Int(count)))
        default:
            // `%` and `|`: a count of pairs.
            let count = try Self.integer(line)
            guard count >= 0, count <= lengthLimit else { throw RESPParseError("invalid length \(count)") }
            return try open(Frame(kind: .init(marker), count: Int(count)))
        }
    }

    /// Pushes `frame`, or returns its value at once when it expects nothing.
    private mutating func open(_ frame: Frame) throws(RESPParseError) -> Step {
        guard frame.remaining > 0 else { return .value(frame.value) }
        guard stack.count < maximumDepth else {
            throw RESPParseError("nesting deeper than \(maximumDepth) levels (aggregates and attributes)")
        }
        stack.append(frame)
        return .opened
    }

    /// Adds a finished element to the innermost open aggregate, closing every aggregate it completes.
    /// - Returns: the top-level value once complete.
    private mutating func finish(_ element: RESPValue) -> RESPValue? {
        var value = element
        while !stack.isEmpty {
            let top = stack.count - 1
            stack[top].remaining -= 1
            if stack[top].kind == .attribute {
                // The attribute's own entries are dropped; its last element is the value it annotates.
                guard stack[top].remaining == 0 else { return nil }
                stack.removeLast()
                continue
            }
            stack[top].elements.append(value)
            guard stack[top].remaining == 0 else { return nil }
            value = stack.removeLast().value
        }
        return value
    }

    /// Reads the line after the type byte, consuming the type byte, the line and its CRLF.
    /// - Returns: the line, or `nil` (nothing consumed) when its CRLF has not arrived.
    private mutating func readLine(_ buffer: inout ByteBuffer) throws(RESPParseError) -> String? {
        let view = buffer.readableBytesView
        let lineStart = view.startIndex + 1
        guard let cr = view[(lineStart + scannedLineBytes)...].firstIndex(of: UInt8(ascii: "\r")) else {
            scannedLineBytes = view.endIndex - lineStart
            guard scannedLineBytes <= maximumLineLength else {
                throw RESPParseError("line longer than \(maximumLineLength) bytes")
            }
            return nil
        }
        let length = cr - lineStart
        guard length <= maximumLineLength else { throw RESPParseError("line longer than \(maximumLineLength) bytes") }
        guard cr + 1 < view.endIndex else {
            scannedLineBytes = length
            return nil
        }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw RESPParseError("CR not followed by LF") }
        scannedLineBytes = 0
        buffer.moveReaderIndex(forwardBy: 1)
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// ``maximumLength``, kept far enough from `Int.max` that counts and lengths can be doubled safely.
    private var lengthLimit: Int { Swift.min(maximumLength, Int.max / 4) }

    private static let knownMarkers: Set<UInt8> = Set("+-:_#,($!=*~>%|".utf8)

    private static func integer(_ line: String) throws(RESPParseError) -> Int64 {
        guard let value = Int64(line) else { throw RESPParseError("'\(line)' is not an integer") }
        return value
    }

    private static func blobValue(marker: UInt8, bytes: ByteBuffer) -> RESPValue {
        switch marker {
        case UInt8(ascii: "!"):
            return .error(String(buffer: bytes))
        case UInt8(ascii: "="):
            let text = String(buffer: bytes)
            return .verbatimString(text.count >= 4 ? String(text.dropFirst(4)) : text)
        default:
            return .bulkString(bytes)
        }
    }

    /// The value of a blob with length `-1` (the RESP2 null bulk string).
    private static func nullBlobValue(marker: UInt8) -> RESPValue {
        switch marker {
        case UInt8(ascii: "!"): .error("")
        case UInt8(ascii: "="): .verbatimString("")
        default: .null
        }
    }
}

extension RESPParser {
    /// A blob whose header was read: its type byte and length.
    struct PendingBlob: Sendable, Hashable {
        var marker: UInt8
        var length: Int
    }

    /// An aggregate or attribute that is still waiting for elements.
    struct Frame: Sendable {
        enum Kind: Sendable, Hashable {
            case array, set, push, map, attribute

            init(_ marker: UInt8) {
                switch marker {
                case UInt8(ascii: "~"): self = .set
                case UInt8(ascii: ">"): self = .push
                case UInt8(ascii: "%"): self = .map
                case UInt8(ascii: "|"): self = .attribute
                default: self = .array
                }
            }
        }

        var kind: Kind
        /// Elements still to come: for a map, keys and values; for an attribute, its keys and values and
        /// then the value it annotates.
        var remaining: Int
        /// The elements so far (keys and values alternating for a map; none kept for an attribute).
        var elements: [RESPValue] = []

        /// A frame for an aggregate declaring `count` elements (pairs for maps and attributes).
        init(kind: Kind, count: Int) {
            self.kind = kind
            switch kind {
            case .map: remaining = count * 2
            case .attribute: remaining = count * 2 + 1
            default: remaining = count
            }
            // The declared size is untrusted: grow with what actually arrives.
            if kind != .attribute { elements.reserveCapacity(Swift.min(remaining, 16)) }
        }

        /// The finished value.
        var value: RESPValue {
            switch kind {
            case .array: .array(elements)
            case .set: .set(elements)
            case .push: .push(elements)
            case .attribute: .null
            case .map:
                .map(stride(from: 0, to: elements.count - 1, by: 2).map { RESPPair(key: elements[$0], value: elements[$0 + 1]) })
            }
        }
    }
}

/// Thrown for bytes that are not valid RESP, or beyond a ``RESPParser`` limit. The connection that received
/// them is closed.
public struct RESPParseError: Error, Hashable, CustomStringConvertible {
    /// What was wrong.
    public var reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { "malformed RESP reply: \(reason)" }
}
