@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Testing

/// The exchange machine's part of `credentials:`: a 401 to the gateway's token, and a token that
/// cannot be had.
@Suite("Exchange state machine: credentials")
struct ExchangeCredentialsMachineTests {
    typealias Base = ExchangeStateMachineTests

    static func policy(refreshes: Bool = true, attempts: Int = 1, retriesMethod: Bool = false, bufferLimit: Int = 1024) -> ExchangePolicy {
        var policy = Base.policy(attempts: attempts, retriesMethod: retriesMethod, bufferLimit: bufferLimit)
        policy.refreshesCredentialsOnUnauthorized = refreshes
        return policy
    }

    @Test("a 401 to the gateway's token: the attempt is settled as a success (connection closed), then one more attempt on any target, even with retries off")
    func unauthorizedOnce() {
        var machine = Base.sent(Self.policy())
        #expect(machine.upstreamHeadReceived(Base.head(.unauthorized)) == .refreshCredentials(
            AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: false)
        ))
        #expect(machine.state == .refreshingCredentials)
        #expect(machine.credentialsRefreshed() == .pickTarget(excluding: 0))
        #expect(machine.targetPicked(number: 0, now: Base.now) == .connect(attempt: 2, perTryDeadline: nil))
        #expect(machine.connected(attempt: 2) == .sendRequest(body: [], end: true))
        // A second 401 is the client's.
        #expect(machine.upstreamHeadReceived(Base.head(.unauthorized)) == .cancelPerTryTimer)
        #expect(machine.responseStatus == 401)
    }

    @Test("a 401 is relayed when the request does not carry the gateway's token, or its body cannot be replayed")
    func unauthorizedRelayed() {
        var plain = Base.sent(Self.policy(refreshes: false))
        #expect(plain.upstreamHeadReceived(Base.head(.unauthorized)) == .cancelPerTryTimer)
        #expect(plain.responseStatus == 401)

        var machine = Base.connecting(Self.policy(bufferLimit: 4), request: Base.request(.length(10)), method: .POST)
        #expect(machine.requestBodyReceived(Base.bytes(10)) == .none)
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [Base.bytes(10)], end: false))
        #expect(machine.upstreamHeadReceived(Base.head(.unauthorized)) == .cancelPerTryTimer)
        #expect(machine.responseStatus == 401)
    }

    @Test("no token before connecting: 503, the target's permit given back; after a 401: 503 with nothing to settle")
    func unavailable() {
        var machine = Base.connecting(Self.policy())
        #expect(machine.credentialsUnavailable(attempt: 2, "stale") == .none)
        guard case .answer(.credentialsUnavailable("endpoint down"), let settlement?, _) = machine.credentialsUnavailable(attempt: 1, "endpoint down") else {
            Issue.record("expected a 503 answer")
            return
        }
        #expect(settlement == AttemptSettlement(attempt: 1, outcome: .ignored, reusesConnection: false))
        #expect(ExchangeAnswer.credentialsUnavailable("x").status == .serviceUnavailable)

        var refreshing = Base.sent(Self.policy())
        _ = refreshing.upstreamHeadReceived(Base.head(.unauthorized))
        guard case .answer(.credentialsUnavailable, nil, _) = refreshing.credentialsUnavailable(attempt: nil, "endpoint down") else {
            Issue.record("expected a 503 answer")
            return
        }
        #expect(refreshing.isFinished)
    }

    @Test("the deadline while waiting for a fresh token: 504")
    func deadlineWhileRefreshing() {
        var machine = Base.sent(Self.policy())
        _ = machine.upstreamHeadReceived(Base.head(.unauthorized))
        guard case .answer(.requestTimedOut, nil, _) = machine.deadlinePassed() else {
            Issue.record("expected 504")
            return
        }
        #expect(machine.credentialsRefreshed() == .none)
    }
}
