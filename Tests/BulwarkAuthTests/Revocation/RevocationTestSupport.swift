import BulwarkAuth
import BulwarkTestSupport
import Logging
import Synchronization

/// Helpers of the revocation tests, under one name so they cannot clash with the target's other helpers.
enum RevocationFixture {
    /// 2026-01-01T00:00:00Z.
    static let epoch = 1_767_225_600.0

    /// A verified token with just the fields revocation looks at.
    static func token(
        jti: String? = nil, issuer: String = "https://id.example", subject: String? = "user-42",
        issuedAt: Double? = epoch, expiresAt: Double? = epoch + 600, fingerprint: String = "aa11"
    ) -> VerifiedToken {
        VerifiedToken(issuer: issuer, subject: subject, tokenID: jti, issuedAt: issuedAt, expiresAt: expiresAt, claims: Claims([:]), fingerprint: fingerprint)
    }

    /// Polls `condition` (``keySetEventually(within:_:)``) for at most `limit` of real time: for work
    /// another task or a real server does. Throws when it never holds.
    static func eventually(within limit: Duration = .seconds(5), _ what: String, _ condition: () async throws -> Bool) async throws {
        guard try await keySetEventually(within: limit, condition) else { throw TestFailure("not within \(limit): \(what)") }
    }

    /// Runs `body`, failing when it takes more than `limit`: an async call that must never hang.
    static func bounded<T: Sendable>(_ limit: Duration = .seconds(5), _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TestFailure("the call did not return within \(limit)") }
            return value
        }
    }
}

/// A wall clock the test sets: seconds since 1970.
final class TestWallClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double = RevocationFixture.epoch) { seconds = Mutex(start) }

    var now: Double { seconds.withLock { $0 } }

    func advance(by delta: Double) { seconds.withLock { $0 += delta } }

    /// The clock as the `now` closure the types under test take.
    var function: @Sendable () -> Double { { self.now } }
}

/// Collects every log line of the loggers it makes: level, message and metadata.
final class RevocationLogRecorder: Sendable {
    private let lines = Mutex<[(level: Logger.Level, text: String)]>([])

    /// A logger whose lines land here.
    var logger: Logger {
        Logger(label: "bulwark.auth.revocation") { _ in Handler(recorder: self) }
    }

    /// The lines at `level`.
    func lines(at level: Logger.Level) -> [String] { lines.withLock { $0.filter { $0.level == level }.map(\.text) } }

    /// Every line.
    var all: [String] { lines.withLock { $0.map(\.text) } }

    struct Handler: LogHandler {
        let recorder: RevocationLogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let text = "\(event.message) \(event.metadata ?? [:])"
            recorder.lines.withLock { $0.append((event.level, text)) }
        }
    }
}
