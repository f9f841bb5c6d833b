import Foundation

/// The appends waiting for the writer thread and the thread's schedule, behind one `NSCondition`:
/// callers only lock, queue and signal (never wait), the writer waits on the condition for its next step.
final class JournalQueue<Item: Sendable>: @unchecked Sendable {
    // @unchecked: `schedule` and `finished` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var schedule: JournalCommitSchedule<Item>
    private var finished = false

    init(flushInterval: Duration) {
        schedule = JournalCommitSchedule(flushInterval: flushInterval)
    }

    /// Queues `item` for the writer; false when the journal is closing.
    func enqueue(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard schedule.appendRequested(item) else { return false }
        condition.signal()
        return true
    }

    /// Asks the writer to finish (what is queued is still written).
    func requestClose() {
        condition.lock()
        schedule.closeRequested()
        condition.broadcast()
        condition.unlock()
    }

    /// The writer's next step, waiting (on the condition, with a deadline when one is due) while there
    /// is nothing to do.
    func nextStep() -> JournalCommitSchedule<Item>.Step {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let now = ContinuousClock.now
            let step = schedule.nextStep(now: now)
            guard case .wait(let until) = step else { return step }
            if let until {
                let seconds = Self.seconds(until - now)
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            } else {
                condition.wait()
            }
        }
    }

    /// Tells the schedule what the writer did.
    func update(_ change: (inout JournalCommitSchedule<Item>) -> Void) {
        condition.lock()
        change(&schedule)
        condition.unlock()
    }

    /// The writer stopped.
    func markFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the writer stopped.
    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return max(0, Double(seconds) + Double(attoseconds) / 1e18)
    }
}
