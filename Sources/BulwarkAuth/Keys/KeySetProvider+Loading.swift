extension KeySetProvider {
    /// Loads `issuers` all at once and switches to them, or throws and changes nothing. A `jwks_url` that
    /// cannot be fetched is not an error here: it keeps the keys it had under the same source (if any),
    /// is marked failed and is retried by ``run()``.
    func install(_ issuers: [IssuerConfiguration], leeway: Duration, trigger: KeyRefreshTrigger) async throws(KeySetLoadError) {
        var problems = Self.configurationProblems(issuers)
        guard problems.isEmpty else { throw KeySetLoadError(problems: problems) }

        let attempts = await withTaskGroup(of: (Int, LoadAttempt).self) { group in
            for (index, issuer) in issuers.enumerated() {
                group.addTask { (index, await self.attemptLoad(issuer)) }
            }
            var attempts = [LoadAttempt?](repeating: nil, count: issuers.count)
            for await (index, attempt) in group { attempts[index] = attempt }
            return attempts.map { $0! }
        }
        for (issuer, attempt) in zip(issuers, attempts) {
            guard issuer.source.kind != .url, case .failure(let failure) = attempt.result else { continue }
            problems.append(KeySetLoadError.Problem(issuer: issuer.issuer, message: failure.message))
            telemetry.refreshed(issuer.issuer, succeeded: false, trigger: trigger)
        }
        guard problems.isEmpty else {
            let error = KeySetLoadError(problems: problems)
            logger.error("auth key sets not loaded, nothing changed: \(error)")
            throw error
        }

        let now = clock.now()
        let wallTime = wallClock()
        let (reports, removed) = state.withLock { state in
            var entries: [String: IssuerEntry] = [:]
            var reports: [AttemptReport] = []
            for (issuer, attempt) in zip(issuers, attempts) {
                var entry = IssuerEntry(configuration: issuer, now: now)
                if case .failure = attempt.result, var previous = state.entries[issuer.issuer],
                    previous.configuration.source == issuer.source, previous.configuration.algorithms == issuer.algorithms
                {
                    previous.configuration = issuer
                    previous.schedule.fetchAbandoned()
                    entry = previous
                }
                entry.schedule.fetchStarted(at: now)
                reports.append(entry.record(attempt, now: now, wallTime: wallTime))
                entries[issuer.issuer] = entry
            }
            let removed = state.order.filter { entries[$0] == nil }
            state.generation += 1
            state.inFlight = [:]
            state.order = issuers.map(\.issuer)
            state.entries = entries
            state.leeway = leeway
            let verifier = state.makeVerifier()
            current.withLock { $0 = verifier }
            return (reports, removed)
        }
        for (issuer, report) in zip(issuers, reports) { emit(report, source: issuer.source, trigger: trigger) }
        for name in removed { telemetry.stale(name, false) }
    }

    /// Problems found without loading anything: an issuer named twice, a `jwks_url` that is not one.
    static func configurationProblems(_ issuers: [IssuerConfiguration]) -> [KeySetLoadError.Problem] {
        var problems: [KeySetLoadError.Problem] = []
        var seen: Set<String> = []
        for issuer in issuers {
            if !seen.insert(issuer.issuer).inserted {
                problems.append(.init(issuer: issuer.issuer, message: "is configured more than once"))
            }
            if case .url(let url, _) = issuer.source, let problem = JWKSFetcher.problem(with: url) {
                problems.append(.init(issuer: issuer.issuer, message: problem))
            }
        }
        return problems
    }

    /// One load of `issuer`'s keys from its source, built for its algorithms.
    func attemptLoad(_ issuer: IssuerConfiguration) async -> LoadAttempt {
        switch issuer.source {
        case .file(let path):
            let (observation, read) = JWKSFile.read(path)
            return LoadAttempt(result: await Self.keySet(from: read, algorithms: issuer.algorithms, named: "jwks_file \(path)"), observation: observation)
        case .url(let url, _):
            let fetched = await fetcher.fetch(url)
            let name = "jwks_url \(KeySource.redacted(url))"
            return LoadAttempt(result: await Self.keySet(from: fetched, algorithms: issuer.algorithms, named: name), observation: nil)
        case .secret(let secret):
            do {
                return LoadAttempt(result: .success(try await VerificationKeySet.load(secret: secret, algorithms: issuer.algorithms)), observation: nil)
            } catch let error as KeySetError {
                return LoadAttempt(result: .failure(KeySourceFailure("secret cannot be used: \(error.message)")), observation: nil)
            } catch {
                return LoadAttempt(result: .failure(KeySourceFailure("secret cannot be used")), observation: nil)
            }
        }
    }

    /// The key set in `document`, or why there is none.
    private static func keySet(
        from document: Result<[UInt8], KeySourceFailure>, algorithms: [String], named name: String
    ) async -> Result<VerificationKeySet, KeySourceFailure> {
        switch document {
        case .failure(let failure):
            return .failure(failure)
        case .success(let bytes):
            do {
                return .success(try await VerificationKeySet.load(jwks: bytes, algorithms: algorithms))
            } catch let error as KeySetError {
                return .failure(KeySourceFailure("\(name) is not a usable JWKS: \(error.message)"))
            } catch {
                return .failure(KeySourceFailure("\(name) is not a usable JWKS"))
            }
        }
    }
}
