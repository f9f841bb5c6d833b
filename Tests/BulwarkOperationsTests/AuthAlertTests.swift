import BulwarkOperations
import Foundation
import Testing

/// The authentication alert rules read from an observation built by hand.
@Suite("Auth alert rules")
struct AuthAlertTests {
    static func observation(_ auth: Observation.AuthObservation?) -> Observation {
        var observation = Observation(now: Date(timeIntervalSince1970: 1_800_000_000))
        observation.auth = auth
        return observation
    }

    @Test("a stale key set raises auth_keys_stale for its issuer with the last error; a fresh one raises nothing")
    func staleKeys() {
        let auth = Observation.AuthObservation(
            issuers: [
                .init(issuer: "https://a.test", stale: true, lastError: "jwks_url answered 500"),
                .init(issuer: "https://b.test", stale: false, lastError: nil),
            ],
            revocationShared: false, revocationStoreReachable: true, onStoreFailure: "allow"
        )
        let conditions = AlertRules.authConditions(for: Self.observation(auth))
        #expect(conditions.map(\.rule) == ["auth_keys_stale"])
        #expect(conditions.first?.subject == "https://a.test")
        #expect(conditions.first?.severity == .error)
        #expect(conditions.first?.message.contains("jwks_url answered 500") == true)
    }

    @Test("a shared revocation list out of step: warning under allow, critical under deny; unshared or in step: nothing")
    func revocationStore() {
        func conditions(shared: Bool, reachable: Bool, policy: String) -> [AlertCondition] {
            AlertRules.authConditions(for: Self.observation(.init(issuers: [], revocationShared: shared, revocationStoreReachable: reachable, onStoreFailure: policy)))
        }
        #expect(conditions(shared: true, reachable: false, policy: "allow").map(\.severity) == [.warning])
        #expect(conditions(shared: true, reachable: false, policy: "deny").map(\.severity) == [.critical])
        #expect(conditions(shared: true, reachable: false, policy: "deny").first?.rule == "auth_revocation_store_down")
        #expect(conditions(shared: true, reachable: true, policy: "deny").isEmpty)
        #expect(conditions(shared: false, reachable: false, policy: "deny").isEmpty)
        #expect(AlertRules.authConditions(for: Self.observation(nil)).isEmpty)
    }

    @Test("the rules run with the others")
    func wiredIntoAllRules() {
        let auth = Observation.AuthObservation(issuers: [.init(issuer: "https://a.test", stale: true, lastError: nil)], revocationShared: false, revocationStoreReachable: true, onStoreFailure: "allow")
        let all = AlertRules.conditions(for: Self.observation(auth), settings: .init())
        #expect(all.contains { $0.rule == "auth_keys_stale" })
    }
}
