import BulwarkOperations
import BulwarkTestSupport
import Testing

/// `TCPProbe` against a listening loopback socket and a closed port.
@Suite(.timeLimit(.minutes(1)))
struct TCPProbeTests {
    @Test func aListeningPortPasses() async throws {
        let listener = try SilentListener()
        #expect(await TCPProbe(host: "127.0.0.1", port: listener.port).probe(timeout: .seconds(2)) == .passed(detail: "connected"))
        #expect(await TCPProbe(host: "localhost", port: listener.port).probe(timeout: .seconds(2)) == .passed(detail: "connected"))
    }

    @Test func aClosedPortIsRefused() async throws {
        let port = try RedisServer.freePort()
        #expect(await TCPProbe(host: "127.0.0.1", port: port).probe(timeout: .seconds(2)) == .failed("connection refused"))
    }
}
