import Testing
import AsyncHTTPClient
import BulwarkAuth
import BulwarkTestSupport
import Foundation
import Logging
import MetricsTestKit
import Synchronization

/// A ``KeySetProvider`` under test with its metrics and warnings recorded, and the means to mint its
/// issuer's tokens.
struct KeySetHarness {
    static let issuer = "https://issuer.example"
    static let now: Double = 1_750_000_000

    let provider: KeySetProvider
    let metrics = TestMetrics()
    let logs = KeySetLogRecorder()

    init(_ issuers: [IssuerConfiguration], clock: any Clock<Duration> = ContinuousClock(), httpClient: HTTPClient = .shared) {
        let logs = self.logs
        provider = KeySetProvider(
            issuers: issuers, leeway: .seconds(30), httpClient: httpClient, clock: clock, wallClock: { Self.now },
            logger: Logger(label: "test.keys") { _ in logs }, metricsFactory: metrics)
    }

    /// One issuer with `source`, accepting ES256 and HS256-less algorithms as given.
    init(source: KeySource, algorithms: [String] = ["ES256"], clock: any Clock<Duration> = ContinuousClock(), httpClient: HTTPClient = .shared) {
        self.init(
            [IssuerConfiguration(issuer: Self.issuer, audiences: ["api"], algorithms: algorithms, source: source)], clock: clock,
            httpClient: httpClient)
    }

    /// A valid token of the issuer signed by `key`.
    static func token(_ key: TestKey, issuer: String = issuer) -> String {
        TestKeys.token(claims: ["iss": issuer, "aud": "api", "sub": "user-1", "iat": now - 10, "exp": now + 300], signedBy: key)
    }

    /// What the provider's current verifier says of a token signed by `key`.
    func verify(_ key: TestKey, issuer: String = issuer) -> TokenVerification {
        provider.verifier.verify(Self.token(key, issuer: issuer)[...], now: Self.now)
    }

    /// `bulwark_auth_key_refreshes_total` for this outcome and trigger (0 when never counted).
    func refreshes(_ outcome: String, _ trigger: String, issuer: String = issuer) -> Int64 {
        let dimensions = [("issuer", issuer), ("outcome", outcome), ("trigger", trigger)]
        return (try? metrics.expectCounter("bulwark_auth_key_refreshes_total", dimensions).totalValue) ?? 0
    }

    /// The last value of `bulwark_auth_key_set_stale` (nil when never set).
    func staleGauge(issuer: String = issuer) -> Double? {
        try? metrics.expectGauge("bulwark_auth_key_set_stale", [("issuer", issuer)]).lastValue
    }
}

extension TokenVerification {
    /// The `kid` of an unknown-key answer, or nil.
    var unknownKeyID: String? {
        if case .unknownKey(_, let keyID) = self { return keyID }
        return nil
    }
}

/// Collects the messages logged at warning level or above.
final class KeySetLogRecorder: LogHandler, @unchecked Sendable {
    private let recorded = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    /// Every warning or error so far, with its metadata.
    var warnings: [String] { recorded.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .warning else { return }
        let line = "\(event.message) \(event.metadata ?? [:])"
        recorded.withLock { $0.append(line) }
    }
}

/// A private temporary directory (mode 0700), removed when dropped.
final class KeySetTemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/bulwark-keys-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
        chmod(path, 0o700)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` (atomically: a new file renamed over the old one; else in place) and
    /// returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, atomically: Bool = true) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: atomically, encoding: .utf8)
        return file
    }
}

/// Polls `condition` until it holds, for at most `limit`; false when it never did. (The one poll of
/// this test target: the revocation tests use it too.)
func keySetEventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Lets `run()` finish its round on `clock`, then moves the clock on by `duration`.
func keySetTick(_ clock: ManualClock, by duration: Duration = KeySetProvider.pollInterval) async throws {
    let asleep = try await keySetEventually { clock.sleepers > 0 }
    #expect(asleep, "run() never went back to sleep")
    clock.advance(by: duration)
}
