import Foundation

/// The outcome of one `bulwark bench` run: what `--json` writes and what `--report` draws.
///
/// The JSON form is stable and documented in `docs/bench-report.schema.json` (snake_case keys, times in
/// seconds from the start of the run, latencies in milliseconds). Fields are only ever added;
/// ``schemaVersion`` changes when one changes meaning.
public struct BenchReport: Codable, Sendable, Equatable {
    /// The schema version this type writes.
    public static let currentSchemaVersion = 1

    /// The schema version of this report.
    public var schemaVersion: Int
    /// The target URL (plan `target`, or the command line URL).
    public var target: String
    /// How load was generated.
    public var model: LoadModel
    /// When the first request was sent (wall clock).
    public var startedAt: Date
    /// How long load was generated, in seconds.
    public var durationSeconds: Double
    /// The most connections that were open at once during the run.
    public var connections: Int
    /// Figures over the whole run.
    public var summary: RunSummary
    /// Figures per stage, in order (one stage for a command-line run).
    public var stages: [StageReport]
    /// One point per second of the run.
    public var timeline: [TimelinePoint]
    /// Every threshold of the plan with its observed value.
    public var thresholds: [ThresholdOutcome]
    /// Samples of the watched Bulwark admin API (`watch:`), one per second; empty without `watch`.
    public var watch: [WatchSample]
    /// What the analysis of long stages found (a steady RSS or latency climb).
    public var findings: [Finding]

    /// Creates a report.
    public init(
        target: String, model: LoadModel, startedAt: Date, durationSeconds: Double, connections: Int,
        summary: RunSummary, stages: [StageReport], timeline: [TimelinePoint], thresholds: [ThresholdOutcome] = [],
        watch: [WatchSample] = [], findings: [Finding] = []
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.target = target
        self.model = model
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.connections = connections
        self.summary = summary
        self.stages = stages
        self.timeline = timeline
        self.thresholds = thresholds
        self.watch = watch
        self.findings = findings
    }

    /// True when every threshold passed (or there are none): the run's exit code is 0.
    public var passed: Bool { thresholds.allSatisfy(\.passed) }

    /// The report as the documented JSON (sorted keys, ISO 8601 dates).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom { path in ReportKey(ReportKeys.isDictionaryKey(path) ? path.last!.stringValue : ReportKeys.snakeCase(path.last!.stringValue)) }
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a report written by ``json()``.
    public static func decode(_ data: Data) throws -> BenchReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in ReportKey(ReportKeys.isDictionaryKey(path) ? path.last!.stringValue : ReportKeys.camelCase(path.last!.stringValue)) }
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BenchReport.self, from: data)
    }
}

/// How a run generates load.
public enum LoadModel: String, Codable, Sendable {
    /// Each connection sends its next request when the previous answer arrived (wrk's model).
    case closed
    /// Requests are sent at a scheduled rate whether or not earlier ones were answered (wrk2's and k6's
    /// arrival-rate model); latency counts from the intended send time.
    case open
}

/// The report's JSON keys: Swift's camelCase names in snake_case (`durationSeconds` ↔ `duration_seconds`),
/// with one exception so the 99.9th percentile reads as such: `p999Ms` ↔ `p99_9_ms`. Foundation's
/// built-in strategies cannot express the exception, and its two directions disagree on digits.
enum ReportKeys {
    /// The properties whose values are dictionaries: their keys are data (status codes, breaker names), kept as they are.
    static let dictionaries: Set<String> = ["errorsByKind", "errors_by_kind", "statusCodes", "status_codes", "breakers"]

    static func isDictionaryKey(_ path: [any CodingKey]) -> Bool {
        path.count >= 2 && dictionaries.contains(path[path.count - 2].stringValue)
    }

    static func snakeCase(_ name: String) -> String {
        if name == "p999Ms" { return "p99_9_ms" }
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func camelCase(_ key: String) -> String {
        if key == "p99_9_ms" { return "p999Ms" }
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return key }
        return String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// A coding key made from a string.
struct ReportKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
