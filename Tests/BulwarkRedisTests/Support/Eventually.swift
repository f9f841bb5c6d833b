// Bounded real-time waits for tests against a restarted real server.

/// Retries `body` until it succeeds, for at most `seconds` of real time: for waiting on a real server
/// that was restarted. Returns the last error when it never succeeds.
func eventually<T>(within seconds: Double = 10, _ body: () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while true {
        do {
            return try await body()
        } catch {
            if ContinuousClock.now > deadline { throw error }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
