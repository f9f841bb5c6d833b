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
        #expect(machine.state == .awaitingToken)
        #expect(machine.credentialsRefreshed() == .pickTarget(excluding: 1))
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

    @Test("no token when a target is to be picked: the request waits holding no target, then picks one, or gets 503")
    func tokenMissing() {
        var machine = ExchangeStateMachine(method: .GET)
        #expect(machine.headAccepted(Base.request(), policy: Self.policy(), now: Base.now) == .admit(sendContinue: false, deadline: Base.now + 5 * Base.second))
        #expect(machine.tokenMissing() == .awaitToken)
        #expect(machine.state == .awaitingToken)
        #expect(machine.tokenMissing() == .none)
        #expect(machine.credentialsRefreshed() == .pickTarget(excluding: 0))
        #expect(machine.targetPicked(number: 0, now: Base.now) == .connect(attempt: 1, perTryDeadline: nil))

        var failing = ExchangeStateMachine(method: .GET)
        _ = failing.headAccepted(Base.request(), policy: Self.policy(), now: Base.now)
        _ = failing.tokenMissing()
        guard case .answer(.credentialsUnavailable("endpoint down"), nil, _) = failing.credentialsUnavailable("endpoint down") else {
            Issue.record("expected a 503 answer with nothing to settle")
            return
        }
        #expect(ExchangeAnswer.credentialsUnavailable("x").status == .serviceUnavailable)
        #expect(failing.credentialsUnavailable("again") == .none)

        var refreshing = Base.sent(Self.policy())
        _ = refreshing.upstreamHeadReceived(Base.head(.unauthorized))
        guard case .answer(.credentialsUnavailable, nil, _) = refreshing.credentialsUnavailable("endpoint down") else {
            Issue.record("expected a 503 answer")
            return
        }
        #expect(refreshing.isFinished)
    }

    @Test("the deadline while waiting for a token: 503 (the token, not a target, was late), nothing to settle")
    func deadlineWhileRefreshing() {
        var machine = Base.sent(Self.policy())
        _ = machine.upstreamHeadReceived(Base.head(.unauthorized))
        guard case .answer(.credentialsUnavailable, nil, _) = machine.deadlinePassed() else {
            Issue.record("expected 503")
            return
        }
        #expect(machine.credentialsRefreshed() == .none)
    }
}
