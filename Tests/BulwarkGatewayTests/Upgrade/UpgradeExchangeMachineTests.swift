@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience
import Testing

@Suite("Upgrade decisions of the exchange machine")
struct UpgradeExchangeMachineTests {
    static func policy(upgrade: String?) -> ExchangePolicy {
        var policy = ExchangePolicy(
            checksRateLimits: false, requestTimeout: 1_000, perTryTimeout: nil, maxAttempts: 3, retriesMethod: true,
            retryStatuses: [503], replayBufferLimit: 1024, backoff: Backoff.constant(.zero)
        )
        policy.upgrade = upgrade
        return policy
    }

    /// A machine whose upgrade request went to attempt 1.
    static func sent(upgrade: String? = "websocket") -> ExchangeStateMachine {
        var machine = ExchangeStateMachine(method: .GET)
        _ = machine.headAccepted(ExchangeRequest(framing: .none, expectsContinue: false, maxBodyBytes: 0), policy: policy(upgrade: upgrade), now: 0)
        _ = machine.targetPicked(number: 0, now: 0)
        _ = machine.connected(attempt: 1)
        _ = machine.requestEnded()
        return machine
    }

    static func head(_ status: HTTPResponseStatus, upgrade: String?) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        if let upgrade {
            headers.add(name: "Upgrade", value: upgrade)
            headers.add(name: "Connection", value: "Upgrade")
        }
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    @Test("a 101 naming the protocol asked for switches; the attempt stays open until the relay ends")
    func switches() {
        var machine = Self.sent()
        let head = Self.head(.switchingProtocols, upgrade: "WebSocket")
        #expect(machine.upstreamHeadReceived(head) == .switchProtocols(head: head))
        #expect(machine.state == .upgraded(.init(number: 1, headReceived: true, keepAlive: true, framed: true)) || machine.currentAttempt != nil)
        #expect(machine.deadlinePassed() == .none)
        #expect(machine.upstreamFailed("eof", malformed: false) == .none)
        #expect(machine.upgradedConnectionEnded() == .finishUpgrade(AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: false)))
        #expect(machine.isFinished)
        #expect(machine.upgradedConnectionEnded() == .none)
    }

    @Test("a 401 to an upgrade that carried the gateway's token is relayed, not retried with a fresh token")
    func unauthorizedUpgradeNotResent() {
        var machine = ExchangeStateMachine(method: .GET)
        var policy = Self.policy(upgrade: "websocket")
        policy.refreshesCredentialsOnUnauthorized = true
        _ = machine.headAccepted(ExchangeRequest(framing: .none, expectsContinue: false, maxBodyBytes: 0), policy: policy, now: 0)
        _ = machine.targetPicked(number: 0, now: 0)
        _ = machine.connected(attempt: 1)
        _ = machine.requestEnded()
        #expect(machine.upstreamHeadReceived(Self.head(.unauthorized, upgrade: nil)) == .cancelPerTryTimer)
        #expect(machine.responseStatus == 401)
    }

    @Test("a 101 naming another protocol is a bad answer (502), never retried")
    func wrongProtocol() {
        var machine = Self.sent()
        let action = machine.upstreamHeadReceived(Self.head(.switchingProtocols, upgrade: "h2c"))
        guard case .answer(.attemptFailed(.malformedResponse), let settlement?, _) = action else {
            Issue.record("expected a 502, got \(action)")
            return
        }
        #expect(settlement.reusesConnection == false)
    }

    @Test("any other answer to an upgrade is an ordinary response")
    func ordinary() {
        var machine = Self.sent()
        #expect(machine.upstreamHeadReceived(Self.head(.ok, upgrade: nil)) == .cancelPerTryTimer)
        guard case .streaming = machine.state else {
            Issue.record("expected a relayed response, in \(machine.state)")
            return
        }
    }

    @Test("an upgrade that reached a target is not retried; one that never connected is")
    func retries() {
        var lost = Self.sent()
        guard case .answer = lost.upstreamFailed("reset", malformed: false) else {
            Issue.record("an upgrade was retried after it reached its target")
            return
        }
        var machine = ExchangeStateMachine(method: .GET)
        _ = machine.headAccepted(ExchangeRequest(framing: .none, expectsContinue: false, maxBodyBytes: 0), policy: Self.policy(upgrade: "websocket"), now: 0)
        _ = machine.targetPicked(number: 0, now: 0)
        #expect(machine.connectFailed(attempt: 1, "refused") == .askRetryBudget)
    }

    @Test("a 101 to a request that asked for no upgrade switches nothing")
    func unasked() {
        var machine = Self.sent(upgrade: nil)
        #expect(machine.upstreamHeadReceived(Self.head(.switchingProtocols, upgrade: "websocket")) == .cancelPerTryTimer)
        #expect(!machine.isFinished)
    }

    @Test("which upgrades are forwarded: listed protocols with Connection: upgrade, never h2c")
    func forwarded() {
        func head(_ upgrade: String) -> HTTPRequestHead {
            HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Upgrade": upgrade, "Connection": "Upgrade"])
        }
        #expect(UpgradeRequest.protocolToForward(head("websocket"), connectionUpgrade: true, allowed: ["websocket"]) == "websocket")
        #expect(UpgradeRequest.protocolToForward(head("WebSocket"), connectionUpgrade: true, allowed: ["websocket"]) == "websocket")
        #expect(UpgradeRequest.protocolToForward(head("websocket"), connectionUpgrade: false, allowed: ["websocket"]) == nil)
        #expect(UpgradeRequest.protocolToForward(head("websocket"), connectionUpgrade: true, allowed: []) == nil)
        #expect(UpgradeRequest.protocolToForward(head("h2c"), connectionUpgrade: true, allowed: ["websocket", "h2c"]) == nil)
        #expect(UpgradeRequest.protocolToForward(head("foo/2"), connectionUpgrade: true, allowed: ["foo"]) == "foo/2")
        #expect(UpgradeRequest.protocolToForward(head("websocket, foo"), connectionUpgrade: true, allowed: ["websocket", "foo"]) == nil)
    }
}
