@testable import BulwarkGateway
import PropertyBased
import Testing

/// SNI and `hosts:` matching (RFC 6125 §6.4): exact names, case-insensitive, one-label wildcards.
@Suite struct CertificateNamesTests {
    @Test("exact names match case-insensitively, with or without a trailing dot")
    func exact() {
        #expect(CertificateNames.matches("api.example.com", host: "API.Example.com"))
        #expect(CertificateNames.matches("api.example.com", host: "api.example.com."))
        #expect(!CertificateNames.matches("api.example.com", host: "www.example.com"))
    }

    @Test("a wildcard stands for exactly one leftmost label")
    func wildcard() {
        #expect(CertificateNames.matches("*.example.com", host: "a.example.com"))
        #expect(!CertificateNames.matches("*.example.com", host: "example.com"))
        #expect(!CertificateNames.matches("*.example.com", host: "a.b.example.com"))
        #expect(!CertificateNames.matches("*.example.com", host: ".example.com"))
        #expect(!CertificateNames.matches("*.example.com", host: "aexample.com"))
    }

    static let labels = ["a", "b", "example", "com", "API", "x-y"]
    static let names = Gen.int(in: 0..<labels.count).array(of: 1...4).map { $0.map { labels[$0] }.joined(separator: ".") }

    @Test("a wildcard matches a name exactly when the name has one more label and the rest is equal")
    func wildcardProperty() async {
        await propertyCheck(count: 2_000, input: Self.names, Self.names) { base, host in
            let hostLabels = host.lowercased().split(separator: ".", omittingEmptySubsequences: false)
            let expected = hostLabels.count >= 2 && hostLabels.dropFirst().joined(separator: ".") == base.lowercased()
            #expect(CertificateNames.matches("*." + base, host: host) == expected, "*.\(base) vs \(host)")
            #expect(CertificateNames.matches(base, host: host) == (base.lowercased() == host.lowercased()))
        }
    }
}
