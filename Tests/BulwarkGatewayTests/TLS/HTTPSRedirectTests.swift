@testable import BulwarkGateway
import PropertyBased
import Testing

/// Where `server.redirect_http` sends requests, and what it refuses to put into a `Location`.
@Suite struct HTTPSRedirectTests {
    @Test("same host and target on https, the HTTPS port kept unless it is 443")
    func location() {
        #expect(HTTPSRedirect.location(host: "example.com", target: "/a/b?c=1", httpsPort: 443) == "https://example.com/a/b?c=1")
        #expect(HTTPSRedirect.location(host: "Example.COM:8080", target: "/", httpsPort: 8443) == "https://example.com:8443/")
        #expect(HTTPSRedirect.location(host: "127.0.0.1:80", target: "/x", httpsPort: 443) == "https://127.0.0.1/x")
        #expect(HTTPSRedirect.location(host: "[::1]:8080", target: "/x", httpsPort: 8443) == "https://[::1]:8443/x")
    }

    @Test("no Host, a host with characters no name has, or a target that is not a path: no Location (400)")
    func refused() {
        #expect(HTTPSRedirect.location(host: nil, target: "/", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "", target: "/", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "evil.com/x", target: "/", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "a@evil.com", target: "/", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "example.com", target: "//evil.com/", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "example.com", target: "http://evil.com/", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "example.com", target: "*", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "example.com", target: "/a\r\nSet-Cookie: x", httpsPort: 443) == nil)
        #expect(HTTPSRedirect.location(host: "[::1", target: "/", httpsPort: 443) == nil)
    }

    static let pieces = ["a", "example", ".", "-", ":", "80", "[", "]", "::1", "/", "@", "%", " ", "\t", "é", "\r\n", "?", "#", "\\"]
    static let texts = Gen.int(in: 0..<pieces.count).array(of: 0...8).map { $0.map { pieces[$0] }.joined() }

    @Test("any Location given is https://, on the listener's port, with the target as sent, and nothing else")
    func locationShape() async {
        await propertyCheck(count: 3_000, input: Self.texts, Self.texts) { host, rest in
            let target = "/" + rest
            guard let location = HTTPSRedirect.location(host: host, target: target, httpsPort: 8443) else { return }
            #expect(location.hasPrefix("https://"))
            #expect(location.hasSuffix(":8443" + target), "\(host) \(target) → \(location)")
            let authority = location.dropFirst("https://".count).dropLast((":8443" + target).count)
            #expect(!authority.isEmpty)
            #expect(!authority.contains { "/@?#\\ \t\r\n".contains($0) }, "\(host) → \(location)")
            #expect(location.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F })
        }
    }
}
