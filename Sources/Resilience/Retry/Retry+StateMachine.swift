extension Retry {
    /// The decisions of one retried call, as a pure value: it is told how each attempt ended and answers
    /// what to do next. It never sleeps or reads a clock; delays come back as actions.
    public struct StateMachine: Sendable {
        /// What to do after a failed attempt.
        public enum Action: Sendable, Equatable {
            /// Wait `delay`, then make attempt number `attempt`.
            case retry(attempt: Int, after: Duration)
            /// Stop and report the failure.
            case giveUp(RetryExhaustion.Reason)
        }

        let maxAttempts: Int
        let backoff: Backoff
        let maximumRetryAfter: Duration
        /// The attempt in progress, 1-based.
        public private(set) var attempt = 1
        /// The delay before the latest retry, for decorrelated jitter.
        public private(set) var previousDelay: Duration?

        /// A machine for one call under `configuration`.
        public init(configuration: RetryConfiguration) {
            self.maxAttempts = configuration.maxAttempts
            self.backoff = configuration.backoff
            self.maximumRetryAfter = configuration.maximumRetryAfter
        }

        /// The current attempt failed.
        ///
        /// - Parameters:
        ///   - retryable: whether the predicate allows another attempt for this failure.
        ///   - retryAfter: a wait the failure asked for (``RetryAfterProviding``), if any.
        ///   - generator: the random source for jitter.
        public mutating func attemptFailed(
            retryable: Bool,
            retryAfter: Duration?,
            using generator: inout some RandomNumberGenerator
        ) -> Action {
            guard retryable else { return .giveUp(.notRetryable) }
            guard attempt < maxAttempts else { return .giveUp(.attemptsExhausted) }
            if let retryAfter, retryAfter > maximumRetryAfter { return .giveUp(.retryAfterTooLong) }
            let backoffDelay = backoff.delay(attempt: attempt, previous: previousDelay, using: &generator)
            let delay = max(backoffDelay, retryAfter ?? .zero)
            previousDelay = backoffDelay
            attempt += 1
            return .retry(attempt: attempt, after: delay)
        }
    }
}
