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

    var kind: String {
        switch self {
        case .connect: "connect"
        case .timeout: "timeout"
        case .closed: "closed"
        case .malformed: "malformed"
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

/// Everything one event loop counted; merged across loops at the end.
struct RunTally: Sendable {
    var stages: [StageTally]
    var seconds: [SecondTally] = []
    /// Connections in the pool at the end.
    var poolSize = 0

    init(stageCount: Int) {
        stages = Array(repeating: StageTally(), count: stageCount)
    }

    mutating func recordResponse(stage: Int, second: Int, status: Int, latencyMicroseconds: UInt64) {
        stages[stage].record(status: status, latencyMicroseconds: latencyMicroseconds)
        growSeconds(to: second)
        seconds[second].responses += 1
        if status >= 400 { seconds[second].errors += 1 }
        _ = seconds[second].latency.record(min(max(latencyMicroseconds, 1), 60_000_000))
    }

    mutating func recordFailure(_ failure: TransportFailure, stage: Int, second: Int) {
        stages[stage].failures[failure.rawValue] += 1
        growSeconds(to: second)
        seconds[second].errors += 1
    }

    mutating func merge(_ other: RunTally) {
        poolSize += other.poolSize
        for index in stages.indices { stages[index].merge(other.stages[index]) }
        if !other.seconds.isEmpty { growSeconds(to: other.seconds.count - 1) }
        for index in other.seconds.indices { seconds[index].merge(other.seconds[index]) }
    }

    private mutating func growSeconds(to second: Int) {
        while seconds.count <= second { seconds.append(SecondTally()) }
    }
}
