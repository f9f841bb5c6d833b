import BulwarkBench
import PropertyBased
import Testing

@Suite("Bench target check", .timeLimit(.minutes(1)))
struct TargetAddressCheckTests {
    @Test("loopback literals are allowed", arguments: [
        ("http://127.0.0.1:8080/api/items", BenchTarget(host: "127.0.0.1", port: 8080, pathAndQuery: "/api/items", hostHeader: "127.0.0.1:8080")),
        ("http://127.0.0.1", BenchTarget(host: "127.0.0.1", port: 80, pathAndQuery: "/", hostHeader: "127.0.0.1")),
        ("http://127.255.3.9/", BenchTarget(host: "127.255.3.9", port: 80, pathAndQuery: "/", hostHeader: "127.255.3.9")),
        ("http://127.0.0.0:1?x=1", BenchTarget(host: "127.0.0.0", port: 1, pathAndQuery: "/?x=1", hostHeader: "127.0.0.0:1")),
        ("http://localhost:3000/a?b=c&d", BenchTarget(host: "localhost", port: 3000, pathAndQuery: "/a?b=c&d", hostHeader: "localhost:3000")),
        ("HTTP://LocalHost:65535/x", BenchTarget(host: "LocalHost", port: 65_535, pathAndQuery: "/x", hostHeader: "LocalHost:65535")),
        ("http://[::1]:8080/", BenchTarget(host: "::1", port: 8080, pathAndQuery: "/", hostHeader: "[::1]:8080")),
        ("http://[::1]", BenchTarget(host: "::1", port: 80, pathAndQuery: "/", hostHeader: "[::1]")),
        ("http://[0:0:0:0:0:0:0:1]:9/p", BenchTarget(host: "0:0:0:0:0:0:0:1", port: 9, pathAndQuery: "/p", hostHeader: "[0:0:0:0:0:0:0:1]:9")),
        ("http://[::0:1]/", BenchTarget(host: "::0:1", port: 80, pathAndQuery: "/", hostHeader: "[::0:1]")),
        ("  http://127.0.0.1:8080/@x  ", BenchTarget(host: "127.0.0.1", port: 8080, pathAndQuery: "/@x", hostHeader: "127.0.0.1:8080")),
    ])
    func allowed(url: String, expected: BenchTarget) throws {
        #expect(try TargetAddressCheck.check(url, allowRemote: false).get() == expected)
        #expect(try TargetAddressCheck.check(url, allowRemote: true).get() == expected)
    }

    @Test("other hosts are refused without --allow-remote, and allowed with it", arguments: [
        "http://10.0.0.5/", "http://192.168.1.1:8080", "http://128.0.0.1", "http://126.255.255.255", "http://0.0.0.0:8080",
        "http://localhost.example.com/", "http://127.0.0.1.nip.io/", "http://localhost.:8080/", "http://mylocalhost/",
        "http://example.com", "http://[::ffff:127.0.0.1]/", "http://[::2]/", "http://[fe80::1]:80/", "http://[::]/", "http://[2001:db8::1]/",
        "http://1e100.net/",
    ])
    func remote(url: String) throws {
        guard case .failure(let refusal) = TargetAddressCheck.check(url, allowRemote: false) else {
            Issue.record("\(url) was allowed without --allow-remote")
            return
        }
        #expect(refusal.code == .notLoopback)
        #expect(refusal.description.contains("--allow-remote"))
        #expect(refusal.description.contains("is not a loopback address"))
        #expect((try? TargetAddressCheck.check(url, allowRemote: true).get()) != nil)
    }

    @Test("numeric hosts other than a plain dotted quad are refused as ambiguous", arguments: [
        "http://0177.0.0.1/", "http://127.1/", "http://127.0.1/", "http://2130706433/", "http://0x7f.0.0.1/", "http://0x7f000001/",
        "http://127.0.0.01/", "http://127.000.000.001/", "http://127.0.0.256/", "http://127.0.0.1./", "http://127.0.0.1.1/", "http://127..0.1/",
    ])
    func ambiguous(url: String) throws {
        guard case .failure(let refusal) = TargetAddressCheck.check(url, allowRemote: false) else {
            Issue.record("\(url) was allowed")
            return
        }
        #expect(refusal.code == .ambiguousAddress)
        #expect(refusal.description.contains("not a plain dotted-quad"))
        #expect(refusal.description.contains("--allow-remote"))
    }

    @Test("user information is refused, even with --allow-remote", arguments: [
        "http://127.0.0.1@evil.example/", "http://user:pass@127.0.0.1:8080/", "http://localhost@127.0.0.1/", "http://@127.0.0.1/",
    ])
    func userInfo(url: String) throws {
        for allowRemote in [false, true] {
            guard case .failure(let refusal) = TargetAddressCheck.check(url, allowRemote: allowRemote) else {
                Issue.record("\(url) was allowed")
                return
            }
            #expect(refusal.code == .userInfo)
            #expect(refusal.description.contains("user information"))
        }
    }

    @Test("schemes other than http:// are refused, https with 'not supported yet'", arguments: [
        ("https://127.0.0.1/", "https:// targets are not supported yet: use http://, e.g. http://127.0.0.1:8080"),
        ("ftp://127.0.0.1/", "'ftp://' targets are not supported: use an http:// URL such as http://127.0.0.1:8080"),
        ("ws://localhost/", "'ws://' targets are not supported: use an http:// URL such as http://127.0.0.1:8080"),
    ])
    func schemes(url: String, message: String) {
        #expect(TargetAddressCheck.check(url, allowRemote: true) == .failure(TargetRefusal(.unsupportedScheme, message)))
    }

    @Test("malformed URLs are refused", arguments: [
        "127.0.0.1:8080", "", "http://", "http:///path", "http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://127.0.0.1:/",
        "http://127.0.0.1:80a/", "http://127.0.0.1:000080/", "http://[::1/", "http://[::1]x/", "http://[127.0.0.1]/", "http://[::1%25lo]/",
        "http://::1/", "http://127.0.0.1/a b", "http://127.0.0.1\\@evil.example/", "http://127.0.0.1/#frag", "http://%31%32%37.0.0.1/",
        "http://local host/", "http://127.0.0.1/a\tb", "http://127.0.0.1/a\u{7F}",
    ])
    func malformed(url: String) {
        for allowRemote in [false, true] {
            guard case .failure(let refusal) = TargetAddressCheck.check(url, allowRemote: allowRemote) else {
                Issue.record("'\(url)' was allowed")
                return
            }
            #expect(refusal.code == .malformed, "'\(url)': \(refusal)")
        }
    }

    @Test("messages say what was wrong")
    func messages() {
        #expect(TargetAddressCheck.check("http://10.1.2.3:8080/", allowRemote: false) == .failure(TargetRefusal(
            .notLoopback,
            "'10.1.2.3' is not a loopback address: bulwark bench loads only localhost, 127.0.0.0/8 and [::1] (written as literals; no name is looked up) unless you pass --allow-remote — load only servers you are responsible for"
        )))
        #expect(TargetAddressCheck.check("http://[::ffff:127.0.0.1]/", allowRemote: false).failureDescription?.hasPrefix("'[::ffff:127.0.0.1]' is not a loopback address") == true)
        #expect(TargetAddressCheck.check("http://127.0.0.1:99999/", allowRemote: false).failureDescription == "'http://127.0.0.1:99999/' has no valid port (1–65535)")
        #expect(TargetAddressCheck.check("http://[zz]/", allowRemote: true).failureDescription == "'[zz]' is not an IPv6 address")
    }

    /// Renders octets as a dotted quad.
    static func quad(_ octets: [Int]) -> String { octets.map(String.init).joined(separator: ".") }

    @Test("property: a dotted quad in 127/8 is allowed, any other first octet refused")
    func dottedQuads() async {
        await propertyCheck(count: 1000, input: Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 1...65_535)) { first, b, c, d, port in
            let host = Self.quad([first, b, c, d])
            let result = TargetAddressCheck.check("http://\(host):\(port)/probe", allowRemote: false)
            if first == 127 {
                #expect((try? result.get()) == BenchTarget(host: host, port: port, pathAndQuery: "/probe", hostHeader: "\(host):\(port)"))
            } else {
                #expect(result.failureCode == .notLoopback, "\(host)")
                #expect((try? TargetAddressCheck.check("http://\(host):\(port)/probe", allowRemote: true).get())?.host == host)
            }
        }
    }

    @Test("property: a 127/8 address with a zero-padded octet is refused as ambiguous")
    func paddedOctets() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 0...3)) { b, c, d, padded in
            var parts = ["127", String(b), String(c), String(d)]
            parts[padded] = "0" + parts[padded]
            let host = parts.joined(separator: ".")
            #expect(TargetAddressCheck.check("http://\(host)/", allowRemote: false).failureCode == .ambiguousAddress, "\(host)")
        }
    }
}

extension Result where Failure == TargetRefusal {
    var failureCode: TargetRefusal.Code? {
        if case .failure(let refusal) = self { refusal.code } else { nil }
    }

    var failureDescription: String? {
        if case .failure(let refusal) = self { refusal.description } else { nil }
    }
}
