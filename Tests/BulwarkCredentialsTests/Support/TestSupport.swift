import InMemoryLogging
import Logging
import Resilience
import Synchronization

@testable import BulwarkCredentials

/// Lets other tasks run until `condition` holds; gives up after `maxYields` (no sleeping, no wall clock).
func yieldUntil(maxYields: Int = 1_000_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<maxYields {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

/// A logger that records into memory.
func recordingLogger() -> (Logger, InMemoryLogHandler) {
    var handler = InMemoryLogHandler()
    handler.logLevel = .trace
    let logger = Logger(label: "test", factory: { _ in handler })
    return (logger, handler)
}

/// A token fetch for provider tests: counts calls, answers from a script of results, and can hold calls
/// until the test releases them.
final class FakeTokenEndpoint: Sendable {
    enum Answer: Sendable {
        case token(lifetime: Duration)
        case failure(TokenEndpointError)
    }

    private struct State {
        var calls = 0
        var answer: Answer = .token(lifetime: .seconds(10))
        var gate: [CheckedContinuation<Void, Never>]?
    }

    private let state = Mutex(State())

    var calls: Int { state.withLock { $0.calls } }
    func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }

    /// From now on, fetches wait for ``release()``.
    func hold() { state.withLock { $0.gate = [] } }
    /// Lets held fetches go on, and later ones run at once.
    func release() {
        let held = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.gate = nil }
            return state.gate ?? []
        }
        for continuation in held { continuation.resume() }
    }
    var held: Int { state.withLock { $0.gate?.count ?? 0 } }

    var fetch: TokenProvider.Fetch {
        { [self] in
            await withCheckedContinuation { continuation in
                let proceed = state.withLock { state -> Bool in
                    guard state.gate != nil else { return true }
                    state.gate?.append(continuation)
                    return false
                }
                if proceed { continuation.resume() }
            }
            let (call, answer) = state.withLock { state in
                state.calls += 1
                return (state.calls, state.answer)
            }
            switch answer {
            case .token(let lifetime): return TokenGrant(value: "fake-\(call)", lifetime: lifetime)
            case .failure(let error): throw error
            }
        }
    }
}

extension TokenEndpointError {
    /// An error as the endpoint client reports a status, for fakes.
    static func status(_ status: Int, _ oauthError: String? = nil) -> TokenEndpointError {
        TokenEndpointError(code: .httpStatus, httpStatus: status, oauthError: oauthError, detail: "answered \(status)")
    }
}
