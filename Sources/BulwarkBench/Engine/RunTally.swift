import Histogram

/// A request that got no answer, by cause.
enum TransportFailure: Int, CaseIterable {
    /// The connection could not be opened.
    case connect
    /// No complete answer within the timeout.
    case timeout
    /// The target closed the connection before answering.
    case closed
    /// The answer was not HTTP/1.1.
    case malformed
    /// Open model: the send was due but never started before the run ended (no connection came free).
    case unsent

    var kind: String {
        switch self {
        case .connect: "connect"
        case .timeout: "timeout"
        case .closed: "closed"
        case .malformed: "malformed"
        case .unsent: "unsent"
        }
    }
}

/// What one event loop counted in one stage. Updating it allocates nothing: the histogram and the status
/// table are sized up front.
struct StageTally: Sendable {
    /// Latency in microseconds, 3 significant digits, up to one hour.
    var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var responses = 0
    var statusCounts = [Int](repeating: 0, count: 600)
    var failures = [Int](repeating: 0, count: TransportFailure.allCases.count)
    var missed = 0
    var unsent = 0

    mutating func record(status: Int, latencyMicroseconds: UInt64) {
        responses += 1
        statusCounts[min(max(status, 0), 599)] += 1
        _ = latency.record(min(max(latencyMicroseconds, 1), latency.highestTrackableValue))
    }

    mutating func merge(_ other: StageTally) {
        responses += other.responses
        for index in statusCounts.indices { statusCounts[index] += other.statusCounts[index] }
        for index in failures.indices { failures[index] += other.failures[index] }
        missed += other.missed
        unsent += other.unsent
        for value in other.latency.recordedValues() { _ = latency.record(value.value, count: value.count) }
    }

    /// 4xx and 5xx answers.
    var statusErrors: (clientErrors: Int, serverErrors: Int) {
        (statusCounts[400..<500].reduce(0, +), statusCounts[500..<600].reduce(0, +))
    }
}

/// What one event loop counted in one second of the run.
struct SecondTally: Sendable {
    /// Latency in microseconds, 2 significant digits (a per-second figure needs less), up to one minute.
    var latency = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two)
    var responses = 0
    var errors = 0

    mutating func merge(_ other: SecondTally) {
        responses += other.responses
        errors += other.errors
        for value in other.latency.recordedValues() { _ = latency.record(value.value, count: value.count) }
    }
}

/// Everything one event loop counted; merged across loops at the end. Per-second tallies are handed
/// over while the run goes on (``takeSeconds(before:)``), so a day-long run keeps only the last few.
struct RunTally: Sendable {
    var stages: [StageTally]
    /// Seconds `secondsBase ..< secondsBase + seconds.count` of the run.
    var seconds: [SecondTally] = []
    /// The first second still held here; earlier ones were handed over.
    var secondsBase = 0
    /// The most connections that were open at once.
    var poolSize = 0

    init(stageCount: Int) {
        stages = Array(repeating: StageTally(), count: stageCount)
    }

    mutating func recordResponse(stage: Int, second: Int, status: Int, latencyMicroseconds: UInt64) {
        stages[stage].record(status: status, latencyMicroseconds: latencyMicroseconds)
        let index = slot(for: second)
        seconds[index].responses += 1
        if status >= 400 { seconds[index].errors += 1 }
        _ = seconds[index].latency.record(min(max(latencyMicroseconds, 1), 60_000_000))
    }

    mutating func recordFailure(_ failure: TransportFailure, stage: Int, second: Int) {
        stages[stage].failures[failure.rawValue] += 1
        seconds[slot(for: second)].errors += 1
    }

    /// Removes and returns the tallies of the seconds before `second`, with their numbers.
    mutating func takeSeconds(before second: Int) -> [(second: Int, tally: SecondTally)] {
        let count = min(max(0, second - secondsBase), seconds.count)
        guard count > 0 else { return [] }
        let taken = (0..<count).map { (secondsBase + $0, seconds[$0]) }
        seconds.removeFirst(count)
        secondsBase += count
        return taken
    }

    mutating func merge(_ other: RunTally) {
        poolSize += other.poolSize
        for index in stages.indices { stages[index].merge(other.stages[index]) }
        if seconds.isEmpty { secondsBase = max(secondsBase, other.secondsBase) }
        for (offset, tally) in other.seconds.enumerated() {
            seconds[slot(for: other.secondsBase + offset)].merge(tally)
        }
    }

    /// The index of `second` in ``seconds``, growing it as needed; a second already handed over counts
    /// in the oldest one still held.
    private mutating func slot(for second: Int) -> Int {
        let index = max(0, second - secondsBase)
        while seconds.count <= index { seconds.append(SecondTally()) }
        return index
    }
}
