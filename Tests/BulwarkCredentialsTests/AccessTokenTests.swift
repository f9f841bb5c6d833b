@testable import BulwarkCredentials
import Testing

@Suite struct AccessTokenTests {
    @Test("a token's description never shows its value")
    func descriptionHidesValue() {
        let token = AccessToken(value: "s3cr3t-token", issuedAt: .seconds(10), lifetime: .seconds(60))
        #expect(!"\(token)".contains("s3cr3t"))
        #expect(!String(reflecting: token).contains("s3cr3t"))
        #expect(!"\([token])".contains("s3cr3t"))
        #expect(token.expiresAt == .seconds(70))
    }
}
