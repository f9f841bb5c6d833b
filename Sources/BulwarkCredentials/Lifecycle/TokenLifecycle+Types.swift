extension TokenLifecycle {
    /// Identifies a request waiting for a token. The shell allocates them.
    public struct WaiterID: Sendable, Hashable {
        /// The raw value.
        public let rawValue: UInt64
        /// Wraps `rawValue`.
        public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    }

    /// Identifies one refresh, so that the result of a refresh that no longer matters is ignored.
    public struct RefreshID: Sendable, Hashable {
        /// The raw value: refreshes are numbered from 1.
        public let rawValue: UInt64
        /// Wraps `rawValue`.
        public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    }

    /// A refresh to start: its identity and why.
    public struct RefreshStart: Sendable, Hashable {
        /// Report the result with this identity.
        public let id: RefreshID
        /// Why it starts.
        public let reason: RefreshReason
    }

    /// The run of failed refreshes since the last success.
    public struct FailureStreak: Sendable, Hashable {
        /// When the first of them ended.
        public let since: Duration
        /// The last one's reason.
        public let lastError: RefreshFailure
        /// How many failed in a row.
        public let consecutiveFailures: Int
    }

    /// How a refresh ended.
    public struct RefreshRecord: Sendable, Hashable {
        /// Why it had started.
        public let reason: RefreshReason
        /// When it ended.
        public let endedAt: Duration
        /// Why it failed; `nil` when it succeeded.
        public let failure: RefreshFailure?
        /// Whether it succeeded.
        public var succeeded: Bool { failure == nil }
    }

    /// The lifecycle's state at some instant, as ``state(at:)`` reports it.
    public enum State: Sendable, Hashable {
        /// No token and nothing in flight.
        case none
        /// A token valid now; its renewal is scheduled.
        case valid(AccessToken)
        /// A refresh is in flight; `current` is still handed out while it is valid.
        case refreshing(current: AccessToken?)
        /// The last refresh failed; `current` is still handed out while it is valid; a retry is scheduled.
        case failing(current: AccessToken?, since: Duration, lastError: RefreshFailure)
        /// Shut down.
        case shutDown
    }

    /// What the shell must do.
    public enum Action: Sendable, Hashable {
        /// Fetch a token, and report the result with the start's identity.
        case startRefresh(RefreshStart)
        /// (Re)arm the single renewal timer to fire at this instant, replacing any earlier one.
        case scheduleRenewal(at: Duration)
        /// Disarm the renewal timer.
        case cancelRenewal
        /// Resume these waiting requests with this token.
        case resume([WaiterID], with: AccessToken)
        /// Fail these waiting requests.
        case fail([WaiterID], TokenUnavailableError.Reason)
    }

    /// The answer to "which token may this request use?".
    public enum TokenDecision: Sendable, Hashable {
        /// Use this unexpired token now.
        case use(AccessToken)
        /// Wait to be resumed or failed by a later action; start this refresh first when given.
        case wait(startRefresh: RefreshStart?)
        /// No token will come.
        case unavailable(TokenUnavailableError.Reason)
    }
}

/// Why a refresh started.
public enum RefreshReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The provider started.
    case initial
    /// A request needed a token and none was valid.
    case noToken = "no_token"
    /// The current token is due for renewal.
    case renewal
    /// The last refresh failed; this is the scheduled retry.
    case retry
    /// A request with the current token was answered 401.
    case unauthorized

    public var description: String { rawValue }
}
