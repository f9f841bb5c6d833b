import NIOCore

/// An `ErrorResponse` ('E') that the proxy writes to a client itself, before or instead of a server.
///
/// ```swift
/// var out = ByteBuffer()
/// PostgresErrorResponse(code: "08006", message: "bulwark: no primary available for cluster 'main'")
///     .encode(into: &out)
/// ```
public struct PostgresErrorResponse: Sendable, Hashable {
    /// `FATAL` (the session ends) or `ERROR`.
    public var severity: String
    /// The SQLSTATE, such as `08006` (connection failure) or `53300` (too many connections).
    public var code: String
    /// The primary message, one line.
    public var message: String

    /// An error response; `severity` defaults to `FATAL`.
    public init(severity: String = "FATAL", code: String, message: String) {
        self.severity = severity
        self.code = code
        self.message = message
    }

    /// Writes the message: `E`, the length, then the fields `S` and `V` (severity), `C` (code) and `M`
    /// (message) as C strings, and the terminating zero byte.
    ///
    /// A NUL inside a value would end its C string early and throw the client out of step, so NULs are left
    /// out of every value.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "E"))
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))  // patched below
        for (field, value) in [("S", severity), ("V", severity), ("C", code), ("M", message)] {
            buffer.writeInteger(UInt8(ascii: Unicode.Scalar(field)!))
            buffer.writeBytes(value.utf8.lazy.filter { $0 != 0 })
            buffer.writeInteger(UInt8(0))
        }
        buffer.writeInteger(UInt8(0))
        buffer.setInteger(Int32(buffer.writerIndex - lengthIndex), at: lengthIndex)
    }
}
