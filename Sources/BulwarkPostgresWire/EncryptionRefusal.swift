/// The one-byte answer to an `SSLRequest` or `GSSENCRequest` that means "not here": `N`. The client then
/// goes on unencrypted on the same connection (or gives up, under `sslmode=require`).
public enum EncryptionRefusal {
    /// `N`.
    public static let byte: UInt8 = UInt8(ascii: "N")
}
