import BulwarkPostgresWire
import Testing

@Suite("Encryption refusal")
struct EncryptionRefusalTests {
    @Test("SSLRequest and GSSENCRequest are answered with the single byte N")
    func refusalIsN() {
        #expect(EncryptionRefusal.byte == 0x4E)
    }
}
