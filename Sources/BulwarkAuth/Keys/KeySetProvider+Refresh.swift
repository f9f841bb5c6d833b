import Logging

extension KeySetProvider {
    /// One round of ``run()``.
    func tick() {
        let files = state.withLock { state in
            state.order.compactMap { name -> (String, String, FileObservation?)? in
                guard let entry = state.entries[name], case .file(let path) = entry.configuration.source,
                    !entry.schedule.fetching
                else { return nil }
                return (name, path, entry.observation)
            }
        }
        let changed = Set(files.filter { JWKSFile.observe($0.1) != $0.2 }.map(\.0))
        let now = clock.now()
        let staleness = state.withLock { state in
            for name in state.order {
                guard let entry = state.entries[name], !entry.schedule.fetching else { continue }
                let trigger: KeyRefreshTrigger
                switch entry.configuration.source {
                case .file where changed.contains(name): trigger = .fileChange
                case .url where entry.schedule.isDue(at: now): trigger = .interval
                default: continue
                }
                state.entries[name]?.schedule.fetchStarted(at: now)
                _ = launch(name, in: &state, trigger: trigger)
            }
            return state.order.compactMap { name in state.entries[name].map { (name, $0.isStale(at: now)) } }
        }
        for (name, stale) in staleness { telemetry.stale(name, stale) }
    }

    /// Starts loading `issuer`'s keys (its schedule already says a fetch is under way) and records the task.
    func launch(_ issuer: String, in state: inout State, trigger: KeyRefreshTrigger) -> Task<Void, Never>? {
        guard let configuration = state.entries[issuer]?.configuration else { return nil }
        let generation = state.generation
        let task = Task { await self.refresh(configuration, generation: generation, trigger: trigger) }
        state.inFlight[issuer] = task
        return task
    }

    /// One load of `configuration`'s keys outside ``load()``/``reload(_:leeway:)``; dropped when a reload
    /// came in between.
    func refresh(_ configuration: IssuerConfiguration, generation: UInt64, trigger: KeyRefreshTrigger) async {
        let attempt = await attemptLoad(configuration)
        let now = clock.now()
        let wallTime = wallClock()
        let issuer = configuration.issuer
        let report = state.withLock { state -> AttemptReport? in
            guard state.generation == generation, state.entries[issuer] != nil else { return nil }
            state.inFlight[issuer] = nil
            let report = state.entries[issuer]?.record(attempt, now: now, wallTime: wallTime)
            if report?.failure == nil {
                let verifier = state.makeVerifier()
                current.withLock { $0 = verifier }
            }
            return report
        }
        if let report { emit(report, source: configuration.source, trigger: trigger) }
    }

    /// Counts, logs and sets the gauge for one attempt.
    func emit(_ report: AttemptReport, source: KeySource, trigger: KeyRefreshTrigger) {
        telemetry.refreshed(report.issuer, succeeded: report.failure == nil, trigger: trigger)
        telemetry.stale(report.issuer, report.stale)
        let metadata: Logger.Metadata = [
            "issuer": "\(report.issuer)", "source": "\(source)", "trigger": "\(trigger.rawValue)",
            "keys": "\(report.keyCount)",
        ]
        if let failure = report.failure {
            let level: Logger.Level = report.repeated ? .debug : .warning
            logger.log(level: level, "auth key set not loaded (any previous keys stay in use): \(failure)", metadata: metadata)
        } else {
            logger.log(level: trigger == .interval ? .debug : .info, "auth key set loaded", metadata: metadata)
        }
    }
}
