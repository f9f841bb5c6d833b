extension Bulkhead {
    /// The bulkhead's slot accounting as a pure value: in-flight calls and a FIFO queue of waiters.
    public struct StateMachine: Sendable {
        /// The answer to a call asking for a slot.
        public enum Admission: Sendable, Hashable {
            /// A slot is taken; run now.
            case permitted
            /// Queued; wait until ``StateMachine/callFinished()`` hands this waiter a slot.
            case enqueued
            /// No slot and no queue place.
            case rejected
        }

        let maxConcurrentCalls: Int
        let maxWaitingCalls: Int
        /// Calls holding a slot.
        public private(set) var inFlight = 0
        /// Waiter ids in arrival order.
        public private(set) var waiters: [UInt64] = []

        /// An idle bulkhead with these limits.
        public init(maxConcurrentCalls: Int, maxWaitingCalls: Int) {
            self.maxConcurrentCalls = maxConcurrentCalls
            self.maxWaitingCalls = maxWaitingCalls
        }

        /// A call asks for a slot; `mayWait` is whether it is willing to queue. Waiters are served in
        /// order, so a newcomer never overtakes the queue.
        public mutating func callRequested(waiter id: UInt64, mayWait: Bool) -> Admission {
            if inFlight < maxConcurrentCalls && waiters.isEmpty {
                inFlight += 1
                return .permitted
            }
            guard mayWait, waiters.count < maxWaitingCalls else { return .rejected }
            waiters.append(id)
            return .enqueued
        }

        /// A call gave its slot back. Returns the waiter that now holds the slot, if any.
        public mutating func callFinished() -> UInt64? {
            guard waiters.isEmpty else { return waiters.removeFirst() }
            inFlight -= 1
            return nil
        }

        /// A waiter stopped waiting (timed out or cancelled). Returns `true` when it was still queued
        /// (and is now removed), `false` when it had already been handed a slot.
        public mutating func waitEnded(waiter id: UInt64) -> Bool {
            guard let index = waiters.firstIndex(of: id) else { return false }
            waiters.remove(at: index)
            return true
        }
    }
}
