/// The key a server hands a session in `BackendKeyData` ('K') and that a `CancelRequest` quotes back.
public struct BackendKey: Sendable, Hashable {
    /// The server process serving the session.
    public var processID: Int32
    /// The secret: 4 bytes in protocol 3.0, 4 to 256 bytes in 3.2.
    public var secretKey: [UInt8]

    /// The shortest secret the protocol allows: 4 bytes.
    public static let minimumSecretLength = 4
    /// The longest secret the protocol allows: 256 bytes.
    public static let maximumSecretLength = 256

    /// A key; `secretKey` should hold 4 to 256 bytes.
    public init(processID: Int32, secretKey: [UInt8]) {
        self.processID = processID
        self.secretKey = secretKey
    }
}
