import BulwarkPostgresWire
import NIOCore

/// Times every query of one session, from the client's `Query`/`Sync` to the server's `ReadyForQuery`.
///
/// Pure, one per session: the shell feeds it the messages a ``MessageScanner`` reports in each direction
/// (scanning the client with ``clientTypes`` and the server with ``serverTypes`` as the types of interest)
/// and logs what ``serverSent(_:now:)`` returns.
///
/// Each `Query` ('Q'), `FunctionCall` ('F') and `Sync` ('S') is answered by exactly one `ReadyForQuery`
/// ('Z'), in order, so they queue as pending entries and each 'Z' ends the oldest (pipelining works). A
/// 'Z' with nothing pending (the one that ends authentication) ends nothing.
///
/// Extended protocol: `Parse` ('P') records statement name → text (the unnamed statement `""` is replaced
/// by each new Parse), `Bind` ('B') selects the statement for the batch, `Execute` ('E') runs it, `Close`
/// ('C') of a statement forgets it, and `Sync` closes the batch: its entry starts at the batch's first
/// P/B/E (or at the Sync when there was none) and carries the text of the statement the last Bind named,
/// else of the last Parse, else `""`. `Flush` ('H'), `Describe`, `CopyData` and the rest change nothing.
///
/// A `Query` or `FunctionCall` sent while a batch is open (P/B/E without a Sync yet) folds the batch in:
/// PostgreSQL answers both with the one `ReadyForQuery` that follows the Query, so the entry starts at the
/// batch's first message. (If that batch failed, the server skips the Query until a Sync and answers only
/// the Sync; the timer cannot see that, and such a session's later timings are then one entry behind.
/// No client library sends that sequence.)
///
/// Memory stays bounded: statement texts are kept up to ``maximumStatementBytes`` (a Bind of a statement
/// not kept has text `""`), pending texts up to ``maximumPendingTextBytes`` (later entries are still timed,
/// with text `""`), and at most ``maximumPending`` entries (past it the oldest is dropped).
public struct QueryTimer: Sendable {
    /// The client message types the timer needs to see: Q, F, P, B and C (Close) for their bodies, E and S
    /// for where they fall.
    public static let clientTypes: Set<UInt8> = Set("QFPBESC".utf8)
    /// The server message types whose bodies the timer reads: Z.
    public static let serverTypes: Set<UInt8> = [UInt8(ascii: "Z")]

    /// The most UTF-8 bytes of prepared statement text kept per session.
    public static let maximumStatementBytes = 1 << 20
    /// The most UTF-8 bytes of text held by pending entries.
    public static let maximumPendingTextBytes = 1 << 20
    /// The most pending entries.
    public static let maximumPending = 100_000
    /// The text of a `FunctionCall`.
    public static let functionCallText = "<function call>"

    private struct Entry: Sendable {
        var start: ContinuousClock.Instant
        var statement: String
    }

    /// The extended-protocol messages since the last Sync.
    private struct Batch: Sendable {
        var start: ContinuousClock.Instant
        var lastParse: String?
        var bound: String?
    }

    private var statements: [String: String] = [:]
    private var statementBytes = 0
    private var batch: Batch?
    private var entries: [Entry] = []
    private var head = 0
    private var pendingTextBytes = 0

    /// The transaction status of the last `ReadyForQuery`: `I` (idle), `T` (in a transaction), `E` (in a
    /// failed transaction), or nil before the first.
    public private(set) var transactionStatus: UInt8?

    /// A session's timer, nothing pending.
    public init() {}

    /// Queries sent and not yet answered by a `ReadyForQuery`.
    public var pending: Int { entries.count - head }

    /// The client sent `message` at `now`.
    public mutating func clientSent(_ message: ScannedMessage, now: ContinuousClock.Instant) {
        switch message.type {
        case UInt8(ascii: "Q"):
            let text = FrontendMessage.statementText(of: message) ?? ""
            enqueue(start: batch.map { min($0.start, now) } ?? now, statement: text)
            batch = nil
        case UInt8(ascii: "F"):
            enqueue(start: batch.map { min($0.start, now) } ?? now, statement: Self.functionCallText)
            batch = nil
        case UInt8(ascii: "P"):
            let text = FrontendMessage.statementText(of: message)
            if let name = message.body.flatMap(Self.leadingName) { remember(name, text: text ?? "") }
            mark(now)
            batch?.lastParse = text ?? ""
        case UInt8(ascii: "B"):
            mark(now)
            let name = message.body.flatMap(FrontendMessage.bindStatementName)
            batch?.bound = name.flatMap { statements[$0] } ?? ""
        case UInt8(ascii: "E"):
            mark(now)
        case UInt8(ascii: "S"):
            enqueue(start: batch.map { min($0.start, now) } ?? now, statement: batch.map { $0.bound ?? $0.lastParse ?? "" } ?? "")
            batch = nil
        case UInt8(ascii: "C"):
            // Close: 'S' (statement) or 'P' (portal), then the name.
            guard var body = message.body, body.readInteger(as: UInt8.self) == UInt8(ascii: "S"),
                  let name = body.readNullTerminatedString()
            else { return }
            forget(name)
        default:
            return
        }
    }

    /// The server sent `message` at `now`: a `ReadyForQuery` ends the oldest pending query and returns it.
    /// Nil for other messages and for a `ReadyForQuery` with nothing pending.
    public mutating func serverSent(_ message: ScannedMessage, now: ContinuousClock.Instant) -> TimedQuery? {
        guard message.type == UInt8(ascii: "Z") else { return nil }
        if let status = message.body.flatMap(BackendMessage.readyStatus) { transactionStatus = status }
        guard head < entries.count else { return nil }
        let entry = entries[head]
        dropOldest()
        return TimedQuery(duration: entry.start.duration(to: now), statement: entry.statement)
    }

    // MARK: Pending entries

    private mutating func enqueue(start: ContinuousClock.Instant, statement: String) {
        if pending >= Self.maximumPending { dropOldest() }
        let bytes = statement.utf8.count
        if pendingTextBytes + bytes <= Self.maximumPendingTextBytes {
            pendingTextBytes += bytes
            entries.append(Entry(start: start, statement: statement))
        } else {
            entries.append(Entry(start: start, statement: ""))
        }
    }

    private mutating func dropOldest() {
        pendingTextBytes -= entries[head].statement.utf8.count
        entries[head].statement = ""
        head += 1
        if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count <= 64)
            head = 0
        } else if head >= 64, head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    // MARK: Batches and statements

    private mutating func mark(_ now: ContinuousClock.Instant) {
        if let open = batch {
            batch?.start = min(open.start, now)
        } else {
            batch = Batch(start: now)
        }
    }

    private mutating func remember(_ name: String, text: String) {
        forget(name)
        let bytes = text.utf8.count
        guard name.isEmpty || statementBytes + bytes <= Self.maximumStatementBytes else { return }
        statements[name] = text
        statementBytes += bytes
    }

    private mutating func forget(_ name: String) {
        if let old = statements.removeValue(forKey: name) { statementBytes -= old.utf8.count }
    }

    /// The first C string of a body (a Parse's statement name), even when the body was cut after it.
    private static func leadingName(_ body: ByteBuffer) -> String? {
        var body = body
        return body.readNullTerminatedString()
    }
}
