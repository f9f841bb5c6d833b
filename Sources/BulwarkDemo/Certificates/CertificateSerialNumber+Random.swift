import X509

extension Certificate.SerialNumber {
    /// A random serial number of exactly 20 octets (RFC 5280's maximum) with 158 random bits: the top
    /// bit is cleared so the INTEGER is positive without a leading zero octet, and the next is set so it
    /// is never shortened.
    static func random() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }
}
