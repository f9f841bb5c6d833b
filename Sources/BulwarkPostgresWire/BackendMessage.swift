import NIOCore

/// Decoders for the server message bodies the proxy reads. Each returns nil on a malformed body and never
/// traps.
public enum BackendMessage {
    /// The key of a `BackendKeyData` ('K'): a process ID, then a secret of 4 to 256 bytes filling the rest.
    public static func backendKey(_ body: ByteBuffer) -> BackendKey? {
        var body = body
        guard let processID = body.readInteger(as: Int32.self),
              (BackendKey.minimumSecretLength...BackendKey.maximumSecretLength).contains(body.readableBytes)
        else { return nil }
        return BackendKey(processID: processID, secretKey: Array(body.readableBytesView))
    }

    /// The transaction status of a `ReadyForQuery` ('Z'): `I` (idle), `T` (in a transaction) or `E` (in a
    /// failed transaction).
    public static func readyStatus(_ body: ByteBuffer) -> UInt8? {
        guard body.readableBytes == 1, let status = body.getInteger(at: body.readerIndex, as: UInt8.self),
              status == UInt8(ascii: "I") || status == UInt8(ascii: "T") || status == UInt8(ascii: "E")
        else { return nil }
        return status
    }

    /// The fields of an `ErrorResponse` ('E') or `NoticeResponse` ('N'): field code (`S`, `V`, `C`, `M`, …)
    /// to value; a repeated code keeps its last value.
    ///
    /// The body is pairs of a code byte and a C string, ended by a zero byte that must be its last.
    public static func errorFields(_ body: ByteBuffer) -> [UInt8: String]? {
        var body = body
        var fields: [UInt8: String] = [:]
        while let code = body.readInteger(as: UInt8.self) {
            if code == 0 { return body.readableBytes == 0 ? fields : nil }
            guard let value = body.readNullTerminatedString() else { return nil }
            fields[code] = value
        }
        return nil
    }
}
