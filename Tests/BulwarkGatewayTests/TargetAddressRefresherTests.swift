import BulwarkConfig
@testable import BulwarkGateway
import Logging
import NIOCore
import Synchronization
import Testing

/// Named targets follow DNS: a pass of the refresher looks each host name up again (through an injected
/// resolver here) and new connections go to the new address; IP literals are never looked up.
@Suite("Target address refresh")
struct TargetAddressRefresherTests {
    final class Lookups: Sendable {
        let answers = Mutex<[String: SocketAddress]>([:])
        let asked = Mutex<[String]>([])
    }

    static func target(_ url: String) throws -> TargetState {
        let parsed = try TargetURL.parse(url).get()
        var settings = UpstreamSettings(name: "app", targets: [parsed])
        settings.circuitBreaker.enabled = false
        return TargetState(index: 0, target: parsed, upstream: settings, breaker: nil)
    }

    static func refresher(_ lookups: Lookups) -> TargetAddressRefresher {
        TargetAddressRefresher(upstreams: { [] }, resolve: { host, _ in
            lookups.asked.withLock { $0.append(host) }
            return lookups.answers.withLock { $0[host] }
        }, logger: Logger(label: "test"))
    }

    @Test("a changed answer moves the target's address; a failed lookup keeps the last one")
    func followsChanges() async throws {
        let named = try Self.target("http://localhost:8081")
        #expect(named.address?.ipAddress == "127.0.0.1" || named.address?.ipAddress == "::1")
        let lookups = Lookups()
        let moved = try SocketAddress(ipAddress: "127.0.0.2", port: 8081)
        lookups.answers.withLock { $0["localhost"] = moved }
        await Self.refresher(lookups).refresh([named])
        #expect(named.address == moved)
        lookups.answers.withLock { $0 = [:] }
        await Self.refresher(lookups).refresh([named])
        #expect(named.address == moved, "a failed lookup keeps the last good address")
    }

    @Test("IP literals and retired targets are not looked up")
    func onlyNames() async throws {
        let literal = try Self.target("http://127.0.0.1:8081")
        let v6 = try Self.target("http://[::1]:8081")
        let retired = try Self.target("http://localhost:8082")
        retired.retire()
        let lookups = Lookups()
        await Self.refresher(lookups).refresh([literal, v6, retired])
        #expect(lookups.asked.withLock { $0 } == [])
        #expect(TargetAddressRefresher.isHostName("app.internal"))
        #expect(!TargetAddressRefresher.isHostName("10.0.0.1"))
        #expect(!TargetAddressRefresher.isHostName("[::1]"))
    }
}
