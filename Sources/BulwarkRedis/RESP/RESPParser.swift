import NIOCore

/// An incremental RESP2/RESP3 parser: feed it whatever bytes have arrived; it returns a value once one is
/// complete and consumes exactly its bytes, or returns `nil` and consumes nothing. A reply split at any
/// byte boundary parses the same. Malformed input throws ``RESPParseError``.
public struct RESPParser: Sendable {
    /// Nesting deeper than this is rejected (a defence against hostile or corrupt input).
    public var maximumDepth: Int
    /// Bulk strings and aggregates longer than this are rejected.
    public var maximumLength: Int

    /// Creates a parser.
    public init(maximumDepth: Int = 64, maximumLength: Int = 512 * 1024 * 1024) {
        self.maximumDepth = maximumDepth
        self.maximumLength = maximumLength
    }

    /// Parses one value from the front of `buffer`.
    /// - Returns: the value (its bytes consumed), or `nil` when more bytes are needed (nothing consumed).
    public func parse(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPValue? {
        var view = buffer
        guard let value = try parseValue(&view, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: view.readerIndex)
        return value
    }

    private func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RESPParseError) -> RESPValue? {
        guard depth <= maximumDepth else { throw RESPParseError("nesting deeper than \(maximumDepth)") }
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            return try readLine(&buffer).map(RESPValue.simpleString)
        case UInt8(ascii: "-"):
            return try readLine(&buffer).map(RESPValue.error)
        case UInt8(ascii: ":"):
            return try readLine(&buffer).map { line throws(RESPParseError) in .integer(try integer(line)) }
        case UInt8(ascii: "$"):
            return try readBlob(&buffer).map { $0.map(RESPValue.bulkString) ?? .null }
        case UInt8(ascii: "!"):
            return try readBlob(&buffer).map { .error($0.map { String(buffer: $0) } ?? "") }
        case UInt8(ascii: "="):
            return try readBlob(&buffer).map { blob in
                let text = blob.map { String(buffer: $0) } ?? ""
                return .verbatimString(text.count >= 4 ? String(text.dropFirst(4)) : text)
            }
        case UInt8(ascii: "*"):
            return try readAggregate(&buffer, depth: depth).map { $0.map(RESPValue.array) ?? .null }
        case UInt8(ascii: "~"):
            return try readAggregate(&buffer, depth: depth).map { .set($0 ?? []) }
        case UInt8(ascii: ">"):
            return try readAggregate(&buffer, depth: depth).map { .push($0 ?? []) }
        case UInt8(ascii: "%"):
            guard let line = try readLine(&buffer) else { return nil }
            let count = try length(line)
            var pairs: [RESPPair] = []
            pairs.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let key = try parseValue(&buffer, depth: depth + 1),
                      let value = try parseValue(&buffer, depth: depth + 1) else { return nil }
                pairs.append(RESPPair(key: key, value: value))
            }
            return .map(pairs)
        case UInt8(ascii: "|"):
            // An attribute: auxiliary data for the value that follows. Parsed and dropped.
            guard let line = try readLine(&buffer) else { return nil }
            for _ in 0..<(try length(line) * 2) {
                guard try parseValue(&buffer, depth: depth + 1) != nil else { return nil }
            }
            return try parseValue(&buffer, depth: depth)
        case UInt8(ascii: "_"):
            guard let line = try readLine(&buffer) else { return nil }
            guard line.isEmpty else { throw RESPParseError("null with a payload '\(line)'") }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try readLine(&buffer) else { return nil }
            switch line {
            case "t": return .boolean(true)
            case "f": return .boolean(false)
            default: throw RESPParseError("boolean '\(line)' is neither t nor f")
            }
        case UInt8(ascii: ","):
            guard let line = try readLine(&buffer) else { return nil }
            switch line.lowercased() {
            case "inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan": return .double(.nan)
            default:
                guard let value = Double(line) else { throw RESPParseError("double '\(line)' is not a number") }
                return .double(value)
            }
        case UInt8(ascii: "("):
            guard let line = try readLine(&buffer) else { return nil }
            guard !line.isEmpty, line.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber) else {
                throw RESPParseError("big number '\(line)' is not an integer")
            }
            return .bigNumber(line)
        default:
            throw RESPParseError("unknown type byte 0x\(String(marker, radix: 16))")
        }
    }

    /// Reads up to CRLF; `nil` when the line is not complete yet.
    private func readLine(_ buffer: inout ByteBuffer) throws(RESPParseError) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            guard view.count <= 64 * 1024 else { throw RESPParseError("line longer than 64 KiB without CRLF") }
            return nil
        }
        let length = cr - view.startIndex
        guard view.count > length + 1 else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw RESPParseError("CR not followed by LF") }
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// Reads a length-prefixed blob; `.some(nil)` for the RESP2 null (`-1`).
    private func readBlob(_ buffer: inout ByteBuffer) throws(RESPParseError) -> ByteBuffer?? {
        guard let line = try readLine(&buffer) else { return nil }
        let count = try integer(line)
        if count == -1 { return .some(nil) }
        guard count >= 0, count <= maximumLength else { throw RESPParseError("invalid blob length \(count)") }
        guard buffer.readableBytes >= Int(count) + 2 else { return nil }
        let blob = buffer.readSlice(length: Int(count))!
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw RESPParseError("blob of \(count) bytes not followed by CRLF") }
        return .some(blob)
    }

    /// Reads an aggregate's elements; `.some(nil)` for the RESP2 null array (`-1`).
    private func readAggregate(_ buffer: inout ByteBuffer, depth: Int) throws(RESPParseError) -> [RESPValue]?? {
        guard let line = try readLine(&buffer) else { return nil }
        let count = try integer(line)
        if count == -1 { return .some(nil) }
        guard count >= 0, count <= maximumLength else { throw RESPParseError("invalid aggregate length \(count)") }
        var values: [RESPValue] = []
        values.reserveCapacity(min(Int(count), 1024))
        for _ in 0..<count {
            guard let value = try parseValue(&buffer, depth: depth + 1) else { return nil }
            values.append(value)
        }
        return .some(values)
    }

    private func integer(_ line: String) throws(RESPParseError) -> Int64 {
        guard let value = Int64(line) else { throw RESPParseError("'\(line)' is not an integer") }
        return value
    }

    private func length(_ line: String) throws(RESPParseError) -> Int {
        let value = try integer(line)
        guard value >= 0, value <= maximumLength else { throw RESPParseError("invalid length \(value)") }
        return Int(value)
    }
}

/// Thrown for bytes that are not valid RESP. The connection that received them is closed.
public struct RESPParseError: Error, Hashable, CustomStringConvertible {
    /// What was wrong.
    public var reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { "malformed RESP reply: \(reason)" }
}
