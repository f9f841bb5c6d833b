@testable import BulwarkGateway
import BulwarkTestSupport
import NIOCore
import NIOPosix
import Testing

@Suite("Connect failures in words", .timeLimit(.minutes(1)))
struct ConnectFailureDescriptionTests {
    @Test("a refused connection reads 'connection refused', not NIO's nested error")
    func refused() async throws {
        let port = try RedisServer.freePort()
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            Issue.record("nothing should listen on port \(port)")
        } catch {
            #expect(ConnectFailureDescription.describe(error) == "connection refused")
        }
    }

    @Test("a connect timeout says how long it waited")
    func timeout() {
        #expect(ConnectFailureDescription.describe(ChannelError.connectTimeout(.milliseconds(250))) == "connect timed out after 250 ms")
    }

    @Test("a TLS error after the handshake reads as BoringSSL's reasons, without codes or source paths")
    func tlsAfterHandshake() {
        struct Stack: Error, CustomStringConvertible {
            var description: String { "sslError([Error: 268436572 error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED at /work/x/tls_record.cc:491])" }
        }
        #expect(ConnectFailureDescription.describe(Stack()) == "tls failed: tlsv1 alert certificate required")
    }

    @Test("other errors are printed as they are")
    func other() {
        #expect(ConnectFailureDescription.describe(ChannelError.ioOnClosedChannel) == "\(ChannelError.ioOnClosedChannel)")
    }
}
