import BulwarkConfig
import PropertyBased
import Testing

@Suite("Value syntax", .timeLimit(.minutes(1)))
struct SyntaxTests {
    @Test("durations", arguments: [
        ("500ms", Duration.milliseconds(500)), ("5s", .seconds(5)), ("15m", .seconds(900)), ("1h", .seconds(3600)),
        ("1d", .seconds(86_400)), ("1m30s", .seconds(90)), ("1.5s", .milliseconds(1500)), ("250us", .microseconds(250)),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try DurationSyntax.parse(text).get() == expected)
    }

    @Test("bad durations are explained")
    func badDurations() {
        for text in ["30", "", "5 parsecs", "s", "-1s"] {
            guard case .failure(let problem) = DurationSyntax.parse(text) else {
                Issue.record("'\(text)' parsed")
                continue
            }
            #expect(!problem.description.isEmpty)
        }
    }

    @Test("property: format then parse gives the duration back")
    func durationRoundTrip() async {
        await propertyCheck(input: Gen.int(in: 0...100_000), Gen.int(in: 0...4)) { amount, unit in
            let nanos = Int64(amount) * [1_000_000, 1_000_000_000, 60_000_000_000, 1_000, 3_600_000_000_000][unit]
            let duration = Duration.nanoseconds(nanos)
            let parsed = try? DurationSyntax.parse(DurationSyntax.format(duration)).get()
            #expect(parsed == duration)
        }
    }

    @Test("sizes")
    func sizes() throws {
        #expect(try ByteSizeSyntax.parse("512").get() == 512)
        #expect(try ByteSizeSyntax.parse("64KiB").get() == 65_536)
        #expect(try ByteSizeSyntax.parse("10MB").get() == 10_000_000)
        #expect(try ByteSizeSyntax.parse("1g").get() == 1 << 30)
        #expect((try? ByteSizeSyntax.parse("10 furlongs").get()) == nil)
    }

    @Test("listen addresses and targets")
    func addresses() throws {
        #expect(try ListenAddress.parse(":8080").get() == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(try ListenAddress.parse("[::1]:9090").get() == ListenAddress(host: "::1", port: 9090))
        #expect((try? ListenAddress.parse("localhost").get()) == nil)
        #expect(try TargetURL.parse("http://app.internal").get() == TargetURL(host: "app.internal", port: 80))
        #expect(try TargetURL.parse("http://127.0.0.1:3000/").get() == TargetURL(host: "127.0.0.1", port: 3000))
        #expect((try? TargetURL.parse("http://127.0.0.1:3000/api").get()) == nil)
        #expect(try TargetURL.parse("https://127.0.0.1:3000").get() == TargetURL(host: "127.0.0.1", port: 3000, scheme: .https))
        #expect(try TargetURL.parse("HTTPS://api.vendor.com").get() == TargetURL(host: "api.vendor.com", port: 443, scheme: .https))
        #expect(TargetURL(host: "api.vendor.com", port: 443, scheme: .https).hostHeaderValue == "api.vendor.com")
        #expect(TargetURL(host: "api.vendor.com", port: 8443, scheme: .https).hostHeaderValue == "api.vendor.com:8443")
    }

    @Test("CIDR ranges")
    func ranges() throws {
        let v4 = try AddressRange.parse("10.0.0.0/8").get()
        #expect(v4.contains("10.255.1.2"))
        #expect(!v4.contains("11.0.0.1"))
        #expect(!v4.contains("::1"))
        let single = try AddressRange.parse("192.0.2.7").get()
        #expect(single.contains("192.0.2.7"))
        #expect(!single.contains("192.0.2.8"))
        let v6 = try AddressRange.parse("fd00::/8").get()
        #expect(v6.contains("fd12:3456::1"))
        #expect(!v6.contains("fe80::1"))
        #expect(try AddressRange.parse("0.0.0.0/0").get().contains("8.8.8.8"))
        #expect((try? AddressRange.parse("10.0.0.0/33").get()) == nil)
        #expect((try? AddressRange.parse("10.0.0/8").get()) == nil)
    }

    @Test("property: an IPv4 /n range contains exactly the addresses sharing the first n bits")
    func cidrProperty() async {
        await propertyCheck(input: Gen.uint32(), Gen.uint32(), Gen.int(in: 0...32)) { network, address, prefix in
            func text(_ value: UInt32) -> String { (0..<4).map { String((value >> (24 - 8 * $0)) & 0xFF) }.joined(separator: ".") }
            let range = try! AddressRange.parse("\(text(network))/\(prefix)").get()
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
            #expect(range.contains(text(address)) == ((network & mask) == (address & mask)))
        }
    }
}
