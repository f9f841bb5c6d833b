import Foundation

extension TokenProvider {
    /// A snapshot for status pages and alerts: the token's expiry, the last refresh, whether refreshes fail.
    /// Times on the provider's clock are turned into wall-clock dates as of now.
    public func status() -> CredentialStatus {
        let now = clock.now()
        let wallNow = Date()
        func date(_ instant: Duration) -> Date { wallNow.addingTimeInterval((instant - now).seconds) }
        return core.withLock { core in
            let machine = core.machine
            return CredentialStatus(
                name: name,
                tokenExpiresAt: machine.current.map { date($0.expiresAt) },
                tokenExpiresIn: machine.current.map { $0.expiresAt - now },
                hasValidToken: machine.usableToken(at: now) != nil,
                refreshing: machine.refreshInFlight != nil,
                waitingRequests: machine.waiters.count,
                nextRefreshAt: machine.renewalDeadline.map(date),
                lastRefresh: machine.lastRefresh.map {
                    CredentialStatus.Refresh(at: date($0.endedAt), reason: $0.reason, failure: $0.failure)
                },
                failingSince: machine.failure.map { date($0.since) },
                consecutiveFailures: machine.failure?.consecutiveFailures ?? 0,
                isShutDown: machine.isShutDown
            )
        }
    }
}
