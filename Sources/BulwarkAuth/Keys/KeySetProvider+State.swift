extension KeySetProvider {
    /// What the provider knows about one issuer's keys.
    struct IssuerEntry: Sendable {
        var configuration: IssuerConfiguration
        /// The current keys; nil until the first successful load.
        var keys: VerificationKeySet?
        /// When to fetch again (URL) and the unknown-`kid` cooldown (URL and file).
        var schedule: KeySetRefreshSchedule
        /// The file version last read, loaded or not (files only).
        var observation: FileObservation?
        /// Wall-clock seconds of the last successful load.
        var lastRefresh: Double?
        /// Why the last attempt failed.
        var lastError: String?

        init(configuration: IssuerConfiguration, now: Duration) {
            self.configuration = configuration
            let refresh: Duration = if case .url(_, let refresh) = configuration.source { refresh } else { .seconds(1) }
            schedule = KeySetRefreshSchedule(refresh: refresh, now: now)
        }

        /// Stale: a URL never fetched or fetched too long ago; a file whose latest version failed; no keys.
        func isStale(at now: Duration) -> Bool {
            switch configuration.source {
            case .url: schedule.isStale(at: now)
            case .file: keys == nil || lastError != nil
            case .secret: keys == nil
            }
        }

        /// What the admin API shows.
        func status(at now: Duration) -> KeySetStatus {
            KeySetStatus(
                issuer: configuration.issuer, source: configuration.source.kind, location: configuration.source.location,
                keyCount: keys?.count ?? 0, keyIDs: keys?.keyIDs ?? [], lastRefresh: lastRefresh, lastError: lastError,
                stale: isStale(at: now))
        }

        /// Takes one load attempt's outcome: new keys on success; the old ones kept on failure.
        mutating func record(_ attempt: LoadAttempt, now: Duration, wallTime: Double) -> AttemptReport {
            if let observation = attempt.observation { self.observation = observation }
            switch attempt.result {
            case .success(let keys):
                self.keys = keys
                lastRefresh = wallTime
                lastError = nil
                schedule.fetchSucceeded(at: now)
                return AttemptReport(issuer: configuration.issuer, failure: nil, repeated: false, keyCount: keys.count, stale: isStale(at: now))
            case .failure(let failure):
                let repeated = lastError == failure.message
                lastError = failure.message
                schedule.fetchFailed(at: now)
                return AttemptReport(issuer: configuration.issuer, failure: failure.message, repeated: repeated, keyCount: keys?.count ?? 0, stale: isStale(at: now))
            }
        }
    }

    /// One attempt to load an issuer's keys: the set or why not, and the file version read (files only).
    struct LoadAttempt: Sendable {
        var result: Result<VerificationKeySet, KeySourceFailure>
        var observation: FileObservation?
    }

    /// What to log and count after an attempt, once the lock is released.
    struct AttemptReport: Sendable {
        var issuer: String
        /// Why it failed; nil on success.
        var failure: String?
        /// The same failure as the previous attempt's (logged at debug level only).
        var repeated: Bool
        var keyCount: Int
        var stale: Bool
    }

    /// Everything behind the provider's lock.
    struct State: Sendable {
        /// Issuers in configuration order.
        var order: [String] = []
        var entries: [String: IssuerEntry] = [:]
        var leeway: Duration
        /// Bumped by every load or reload; a fetch started before it is dropped when it ends.
        var generation: UInt64 = 0
        /// The fetch under way per issuer, which unknown-`kid` callers wait for.
        var inFlight: [String: Task<Void, Never>] = [:]

        /// A verifier over every issuer. One whose keys never loaded (a `jwks_url` down since start) has an
        /// empty set, so its tokens name an unknown `kid` and can cause a fetch.
        func makeVerifier() -> TokenVerifier {
            let issuers = order.compactMap { name -> TokenVerifier.Issuer? in
                guard let entry = entries[name] else { return nil }
                let configuration = entry.configuration
                return TokenVerifier.Issuer(
                    issuer: configuration.issuer, audiences: configuration.audiences, algorithms: configuration.algorithms,
                    keys: entry.keys ?? VerificationKeySet(keys: [], skipped: 0))
            }
            return TokenVerifier(issuers: issuers, leeway: leeway)
        }
    }
}
