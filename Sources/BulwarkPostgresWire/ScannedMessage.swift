import NIOCore

/// One typed message seen in a byte stream: its type byte, its body length, and (for types of interest)
/// the first `captureLimit` bytes of its body.
public struct ScannedMessage: Sendable, Hashable {
    /// The type byte, such as `UInt8(ascii: "Q")`.
    public var type: UInt8
    /// The length field minus the 4 bytes of the field itself.
    public var bodyLength: Int
    /// nil unless ``type`` was of interest; then the body's first bytes, at most the scanner's capture limit.
    public var body: ByteBuffer?
    /// ``body`` holds fewer bytes than ``bodyLength`` (the capture limit cut it); false when ``body`` is nil.
    public var isTruncated: Bool

    /// A message as a scanner would report it.
    public init(type: UInt8, bodyLength: Int, body: ByteBuffer?, isTruncated: Bool = false) {
        self.type = type
        self.bodyLength = bodyLength
        self.body = body
        self.isTruncated = isTruncated
    }

    /// A complete message of interest with `body` (convenient in tests).
    public init(type: UInt8, body: ByteBuffer) {
        self.init(type: type, bodyLength: body.readableBytes, body: body)
    }
}
