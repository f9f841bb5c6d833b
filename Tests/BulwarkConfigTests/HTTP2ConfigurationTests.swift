import BulwarkConfig
import Testing

@Suite("server.http2 settings", .timeLimit(.minutes(1)))
struct HTTP2ConfigurationTests {
    static func yaml(_ http2: String, tls: Bool = false) -> String {
        let tlsLines = tls ? "  tls:\n    certificates:\n      - { cert: /etc/site.pem, key: /etc/site.key }\n" : ""
        return "server:\n\(tlsLines)  http2:\n\(http2)upstreams:\n  app: { targets: [\"http://127.0.0.1:3001\"] }\n"
    }

    static func issues(_ yaml: String) -> [String] {
        ConfigurationParsingTests.issues(yaml)
    }

    @Test("defaults: enabled, no h2c, 100 streams, 32 KiB header lists, 1 MiB windows")
    func defaults() throws {
        let http2 = try BulwarkConfiguration.parse(yaml: "upstreams:\n  app: { targets: [\"http://127.0.0.1:3001\"] }\n").server.http2
        #expect(http2 == HTTP2Settings())
        #expect(http2.enabled)
        #expect(!http2.h2c)
        #expect(http2.maxConcurrentStreams == 100)
        #expect(http2.maxHeaderListSize == 32 * 1024)
        #expect(http2.initialWindowSize == 1024 * 1024)
    }

    @Test("every key is read, sizes with units")
    func read() throws {
        let yaml = Self.yaml("    h2c: true\n    max_concurrent_streams: 250\n    max_header_list_size: 64KiB\n    initial_window_size: 4MiB\n")
        let http2 = try BulwarkConfiguration.parse(yaml: yaml).server.http2
        #expect(http2.h2c)
        #expect(http2.maxConcurrentStreams == 250)
        #expect(http2.maxHeaderListSize == 64 * 1024)
        #expect(http2.initialWindowSize == 4 * 1024 * 1024)
        #expect(!(try BulwarkConfiguration.parse(yaml: Self.yaml("    enabled: false\n"))).server.http2.enabled)
    }

    @Test("bad values are refused with their key path")
    func refused() {
        #expect(Self.issues(Self.yaml("    max_concurrent_streams: 0\n")) == ["server.http2.max_concurrent_streams: must be between 1 and 10000, got 0"])
        #expect(Self.issues(Self.yaml("    max_header_list_size: 512\n")) == ["server.http2.max_header_list_size: must be between 1KiB and 1MiB, got 512 bytes"])
        #expect(Self.issues(Self.yaml("    initial_window_size: 32MiB\n")) == ["server.http2.initial_window_size: must be between 64KiB and 16MiB, got 33554432 bytes"])
        #expect(Self.issues(Self.yaml("    h2c: maybe\n")) == ["server.http2.h2c: expected true or false, got 'maybe'"])
        #expect(Self.issues(Self.yaml("    streams: 5\n")).first?.hasPrefix("server.http2.streams") == true)
    }

    @Test("h2c needs HTTP/2 enabled and a plaintext listener")
    func h2cConflicts() {
        #expect(Self.issues(Self.yaml("    enabled: false\n    h2c: true\n")) == ["server.http2.h2c: needs server.http2.enabled: h2c is HTTP/2 without TLS"])
        #expect(Self.issues(Self.yaml("    h2c: true\n", tls: true)).contains("server.http2.h2c: is for a plaintext listener; this one speaks TLS (server.tls), where ALPN offers h2"))
    }
}
