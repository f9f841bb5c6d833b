import BulwarkAuth
import BulwarkConfig
import Foundation
import Logging
import Resilience

extension Gateway {
    /// Puts `configuration` in force for every new request, or changes nothing if it is invalid.
    ///
    /// Routes, upstreams, targets, rate limits, policies, server limits and the listener's TLS
    /// certificates (read again from their files) apply at once; requests in
    /// flight finish on the routes and upstreams they started with. An upstream whose settings are the
    /// same apart from its targets keeps its targets' health, breakers and pooled connections, and only
    /// its membership changes. An upstream whose targets come from `processes:`
    /// (``UpstreamSettings/targetsFromProcesses``) keeps its live members, even when its policies change
    /// and it is rebuilt. Keys that cannot change while running (see ``ReloadOutcome/needsRestart``:
    /// `server.listen`, `server.threads`, `server.access_log`, `admin`, `redis`, `alerts`, `backup`) keep
    /// their running values and are logged as "needs restart". Every problem is logged with its key path.
    ///
    /// ```swift
    /// let outcome = gateway.reload(try BulwarkConfiguration.load(path: "bulwark.yaml"))
    /// if outcome.status == .rejected { print(outcome.problems) }
    /// ```
    @discardableResult
    public func reload(_ configuration: BulwarkConfiguration) -> ReloadOutcome {
        let running = runtime.configuration
        let (needsRestart, applicable) = RestartOnlyKeys.separate(running: running, loaded: configuration)
        for key in needsRestart {
            logger.warning("configuration key changed but needs restart; the running value stays in force", metadata: ["key": "\(key)"])
        }
        // The listener's certificate files are read again even when the file itself is unchanged.
        let certificates: ServerTLSMaterial?
        do {
            certificates = try runtime.certificates.prepare(applicable.server.tls, now: Date())
        } catch {
            return rejected(error.issues, needsRestart: needsRestart)
        }
        // A JWKS file that cannot be used rejects the reload, as it would fail a start.
        let issuers = (applicable.auth?.jwt.issuers ?? []).map(GatewayAuthentication.issuer)
        let keyProblems = KeySetProvider.fileProblems(issuers).map { problem in
            ConfigurationIssue(
                keyPath: "auth.jwt.issuers[\(issuers.firstIndex { $0.issuer == problem.issuer } ?? 0)]", problem: problem.message
            )
        }
        if !keyProblems.isEmpty { return rejected(keyProblems, needsRestart: needsRestart) }
        guard applicable != running || certificates != nil else {
            logger.notice("configuration reloaded: nothing changed")
            return ReloadOutcome(status: .unchanged, needsRestart: needsRestart)
        }
        var changes = ConfigurationChanges.describe(from: running, to: applicable)
        do {
            if applicable != running { _ = try runtime.install(applicable) }
        } catch {
            return rejected(error.issues, needsRestart: needsRestart)
        }
        // Key sets are read again on every reload (a JWKS file may have changed under the same name),
        // once the configuration is in force, one reload after another.
        if applicable.auth != nil || running.auth != nil { reloadKeys(applicable.auth ?? AuthSettings()) }
        if let certificates {
            runtime.certificates.install(certificates)
            changes.append("server.tls: certificates reloaded")
        }
        healthChecks.run(for: runtime.clusters)
        for cluster in runtime.clusters { cluster.startCredentials() }
        for cluster in runtime.clusters where cluster.skipsTLSVerification && !(running.upstream(named: cluster.name).map { $0.tls == cluster.settings.tls } ?? false) {
            logger.warning("upstream TLS certificates are not verified (tls.verify: false): anyone on the path can impersonate its targets", metadata: ["upstream": "\(cluster.name)"])
        }
        logger.notice("configuration reloaded", metadata: ["changes": "\(changes.joined(separator: "; "))"])
        return ReloadOutcome(status: .applied, needsRestart: needsRestart, changes: changes)
    }

    /// Reads the issuers' key sets again in the background, after any earlier reload's; on failure the
    /// keys in force stay.
    private func reloadKeys(_ settings: AuthSettings) {
        runtime.authentication?.reloadInTurn(settings)
    }

    /// Logs and reports a configuration that cannot be put in force (e.g. one that failed to load).
    public func rejected(_ problems: [ConfigurationIssue], needsRestart: [String] = []) -> ReloadOutcome {
        logger.error("configuration reload rejected; the running configuration stays in force", metadata: ["problems": "\(problems.count)"])
        for issue in problems {
            logger.error("configuration problem", metadata: ["key": "\(issue.keyPath)", "problem": "\(issue.problem)"])
        }
        return ReloadOutcome(status: .rejected, problems: problems, needsRestart: needsRestart)
    }

    // MARK: Membership

    /// Makes `targets` the members of upstream `upstream` until the next reload or membership change.
    /// Targets already present keep their state; new ones join; the others leave, and requests in flight
    /// to them finish. This is what DNS re-resolution and supervised app instances use.
    /// - Throws: ``ConfigurationError`` when there is no such upstream or a target's breaker settings fail.
    @discardableResult
    public func setTargets(_ targets: [TargetURL], ofUpstream upstream: String) throws(ConfigurationError) -> UpstreamCluster.MembershipChange {
        try runtime.changeMembership { () throws(ConfigurationError) in
            try cluster(named: upstream).setTargets(targets)
        }
    }

    /// Adds `target` to upstream `upstream`; returns whether it joined (false: it was a member already).
    @discardableResult
    public func addTarget(_ target: TargetURL, toUpstream upstream: String) throws(ConfigurationError) -> Bool {
        try runtime.changeMembership { () throws(ConfigurationError) in
            try cluster(named: upstream).addTarget(target)
        }
    }

    /// Removes `target` from upstream `upstream`; returns whether it left. Requests in flight finish.
    @discardableResult
    public func removeTarget(_ target: TargetURL, fromUpstream upstream: String) throws(ConfigurationError) -> Bool {
        try runtime.changeMembership { () throws(ConfigurationError) in
            try cluster(named: upstream).removeTarget(target)
        }
    }

    private func cluster(named name: String) throws(ConfigurationError) -> UpstreamCluster {
        guard let cluster = runtime.clusters.first(where: { $0.name == name }) else {
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: "upstreams.\(name)", problem: "no upstream named '\(name)'")])
        }
        return cluster
    }
}
