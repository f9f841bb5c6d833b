import NIOCore

/// Encodes commands as RESP arrays of bulk strings, the form every Redis command takes on the wire.
public enum RESPEncoder {
    /// Appends `*N\r\n$len\r\narg\r\n…` for `arguments` to `buffer`.
    public static func encodeCommand(_ arguments: [RedisArgument], into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString("\r\n")
        for argument in arguments {
            switch argument.storage {
            case .string(let text):
                buffer.writeStaticString("$")
                buffer.writeString(String(text.utf8.count))
                buffer.writeStaticString("\r\n")
                buffer.writeString(text)
            case .bytes(let bytes):
                buffer.writeStaticString("$")
                buffer.writeString(String(bytes.readableBytes))
                buffer.writeStaticString("\r\n")
                buffer.writeImmutableBuffer(bytes)
            }
            buffer.writeStaticString("\r\n")
        }
    }

    /// Encodes a value in RESP3 (for tests and for tools that speak the protocol).
    public static func encode(_ value: RESPValue, into buffer: inout ByteBuffer) {
        func line(_ prefix: String, _ text: String) { buffer.writeString(prefix + text + "\r\n") }
        func blob(_ prefix: String, _ bytes: ByteBuffer) {
            line(prefix, String(bytes.readableBytes))
            buffer.writeImmutableBuffer(bytes)
            buffer.writeStaticString("\r\n")
        }
        switch value {
        case .simpleString(let text): line("+", text)
        case .error(let text): line("-", text)
        case .integer(let value): line(":", String(value))
        case .bulkString(let bytes): blob("$", bytes)
        case .null: line("_", "")
        case .array(let values):
            line("*", String(values.count))
            for value in values { encode(value, into: &buffer) }
        case .double(let value):
            line(",", value.isNaN ? "nan" : value == .infinity ? "inf" : value == -.infinity ? "-inf" : String(value))
        case .boolean(let value): line("#", value ? "t" : "f")
        case .bigNumber(let text): line("(", text)
        case .verbatimString(let text): blob("=", ByteBuffer(string: "txt:" + text))
        case .map(let pairs):
            line("%", String(pairs.count))
            for pair in pairs {
                encode(pair.key, into: &buffer)
                encode(pair.value, into: &buffer)
            }
        case .set(let values):
            line("~", String(values.count))
            for value in values { encode(value, into: &buffer) }
        case .push(let values):
            line(">", String(values.count))
            for value in values { encode(value, into: &buffer) }
        }
    }
}

/// One argument of a Redis command: text or raw bytes.
public struct RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    enum Storage: Sendable, Hashable {
        case string(String)
        case bytes(ByteBuffer)
    }

    let storage: Storage

    /// Text, sent as UTF-8.
    public init(_ text: String) { storage = .string(text) }
    /// Raw bytes.
    public init(_ bytes: ByteBuffer) { storage = .bytes(bytes) }
    /// An integer, sent in decimal.
    public init(_ value: some BinaryInteger) { storage = .string(String(value)) }

    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(value) }
}
