@testable import BulwarkAuth
import Testing

/// What a key source shows in logs, errors and the admin API.
@Suite("Key source redaction")
struct KeySourceRedactionTests {
    @Test("a jwks_url loses its credentials, its query and its fragment; a secret is never shown", arguments: [
        ("https://idp.test/jwks.json", "https://idp.test/jwks.json"),
        ("https://user:pass@idp.test/jwks.json", "https://***@idp.test/jwks.json"),
        ("https://idp.test/jwks.json?api_key=QUERYSECRET", "https://idp.test/jwks.json?***"),
        ("https://u:p@idp.test/k?sig=S#frag", "https://***@idp.test/k?***"),
        ("https://idp.test/k#token=F", "https://idp.test/k"),
    ])
    func urls(_ url: String, _ shown: String) {
        let source = KeySource.url(url, refresh: .seconds(300))
        #expect(source.location == shown)
        #expect(source.description.contains(shown))
        for secret in ["pass", "QUERYSECRET", "sig=S", "token=F"] {
            #expect(!source.description.contains(secret))
            #expect(!String(reflecting: source).contains(secret))
        }
    }
}
