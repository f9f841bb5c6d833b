@testable import BulwarkPostgres
import BulwarkPostgresWire
import NIOCore
import PropertyBased
import Testing

/// Message bodies as a client (or server) puts them on the wire, for feeding the timer.
enum WireBody {
    static func cString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeString(text)
        buffer.writeInteger(UInt8(0))
    }

    static func message(_ type: Character, _ write: (inout ByteBuffer) -> Void = { _ in }) -> ScannedMessage {
        var body = ByteBuffer()
        write(&body)
        return ScannedMessage(type: type.asciiValue!, body: body)
    }

    /// Query: the SQL as a C string.
    static func query(_ sql: String) -> ScannedMessage {
        message("Q") { cString(sql, into: &$0) }
    }

    /// Parse: statement name, SQL, no parameter types.
    static func parse(_ name: String, _ sql: String) -> ScannedMessage {
        message("P") { body in
            cString(name, into: &body)
            cString(sql, into: &body)
            body.writeInteger(Int16(0))
        }
    }

    /// Bind: portal, statement, one text parameter "42", no result formats.
    static func bind(_ statement: String, portal: String = "") -> ScannedMessage {
        message("B") { body in
            cString(portal, into: &body)
            cString(statement, into: &body)
            body.writeInteger(Int16(0))
            body.writeInteger(Int16(1))
            body.writeInteger(Int32(2))
            body.writeString("42")
            body.writeInteger(Int16(0))
        }
    }

    /// Execute: portal, no row limit.
    static func execute(portal: String = "") -> ScannedMessage {
        message("E") { body in
            cString(portal, into: &body)
            body.writeInteger(Int32(0))
        }
    }

    /// Describe of a statement.
    static func describe(_ statement: String) -> ScannedMessage {
        message("D") { body in
            body.writeInteger(UInt8(ascii: "S"))
            cString(statement, into: &body)
        }
    }

    /// Close of a statement.
    static func close(_ statement: String) -> ScannedMessage {
        message("C") { body in
            body.writeInteger(UInt8(ascii: "S"))
            cString(statement, into: &body)
        }
    }

    static let sync = message("S")
    static let flush = message("H")

    /// FunctionCall: function OID 1, no arguments, text result.
    static let functionCall = message("F") { body in
        body.writeInteger(Int32(1))
        body.writeInteger(Int16(0))
        body.writeInteger(Int16(0))
        body.writeInteger(Int16(0))
    }

    /// CopyData, as a type the timer does not read (no body captured).
    static let copyData = ScannedMessage(type: UInt8(ascii: "d"), bodyLength: 10, body: nil)
    static let copyDone = message("c")

    /// ReadyForQuery with a transaction status.
    static func ready(_ status: Character = "I") -> ScannedMessage {
        message("Z") { $0.writeInteger(status.asciiValue!) }
    }
}

@Suite("Query timer")
struct QueryTimerTests {
    static let t0 = ContinuousClock.now

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        t0 + .milliseconds(milliseconds)
    }

    @Test("the ReadyForQuery after authentication ends nothing")
    func readyWithNothingPending() {
        var timer = QueryTimer()
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(0)) == nil)
        #expect(timer.pending == 0)
        #expect(timer.transactionStatus == UInt8(ascii: "I"))
    }

    @Test("a simple query runs from Query to ReadyForQuery")
    func simpleQuery() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.query("select 1"), now: Self.at(10))
        #expect(timer.pending == 1)
        #expect(timer.serverSent(WireBody.message("T"), now: Self.at(20)) == nil)
        let timed = timer.serverSent(WireBody.ready("T"), now: Self.at(260))
        #expect(timed == TimedQuery(duration: .milliseconds(250), statement: "select 1"))
        #expect(timer.pending == 0)
        #expect(timer.transactionStatus == UInt8(ascii: "T"))
    }

    @Test("an extended batch runs from its first message to ReadyForQuery, with the Parse text")
    func extendedBatch() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("", "select $1::int"), now: Self.at(0))
        timer.clientSent(WireBody.bind(""), now: Self.at(1))
        timer.clientSent(WireBody.execute(), now: Self.at(2))
        #expect(timer.pending == 0)
        timer.clientSent(WireBody.sync, now: Self.at(3))
        #expect(timer.pending == 1)
        let timed = timer.serverSent(WireBody.ready(), now: Self.at(10))
        #expect(timed == TimedQuery(duration: .milliseconds(10), statement: "select $1::int"))
    }

    @Test("Bind picks the named statement; the batch starts at its first message")
    func namedStatements() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("s1", "select 1"), now: Self.at(0))
        timer.clientSent(WireBody.parse("s2", "select 2"), now: Self.at(0))
        timer.clientSent(WireBody.sync, now: Self.at(1))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(5)) == TimedQuery(duration: .milliseconds(5), statement: "select 2"))
        timer.clientSent(WireBody.bind("s1"), now: Self.at(100))
        timer.clientSent(WireBody.execute(), now: Self.at(101))
        timer.clientSent(WireBody.sync, now: Self.at(102))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(130)) == TimedQuery(duration: .milliseconds(30), statement: "select 1"))
    }

    @Test("a new Parse of the unnamed statement replaces it; the last Bind decides the text")
    func unnamedStatementReplaced() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("", "select 'first'"), now: Self.at(0))
        timer.clientSent(WireBody.bind(""), now: Self.at(0))
        timer.clientSent(WireBody.execute(), now: Self.at(0))
        timer.clientSent(WireBody.parse("", "select 'second'"), now: Self.at(0))
        timer.clientSent(WireBody.bind(""), now: Self.at(0))
        timer.clientSent(WireBody.execute(), now: Self.at(0))
        timer.clientSent(WireBody.sync, now: Self.at(0))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(1))?.statement == "select 'second'")
        // A Parse after the last Bind does not change which statement ran.
        timer.clientSent(WireBody.parse("", "select 'third'"), now: Self.at(2))
        timer.clientSent(WireBody.bind(""), now: Self.at(2))
        timer.clientSent(WireBody.execute(), now: Self.at(2))
        timer.clientSent(WireBody.parse("", "select 'fourth'"), now: Self.at(2))
        timer.clientSent(WireBody.sync, now: Self.at(2))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(3))?.statement == "select 'third'")
    }

    @Test("without a Bind the batch carries the last Parse text; a lone Sync is timed with no text")
    func describeOnlyAndLoneSync() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("p", "select * from t"), now: Self.at(0))
        timer.clientSent(WireBody.describe("p"), now: Self.at(1))
        timer.clientSent(WireBody.sync, now: Self.at(2))
        timer.clientSent(WireBody.sync, now: Self.at(3))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(4)) == TimedQuery(duration: .milliseconds(4), statement: "select * from t"))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(5)) == TimedQuery(duration: .milliseconds(2), statement: ""))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(6)) == nil)
    }

    @Test("pipelined batches end in order, each at its own ReadyForQuery")
    func pipelined() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("a", "select 'a'"), now: Self.at(0))
        timer.clientSent(WireBody.bind("a"), now: Self.at(0))
        timer.clientSent(WireBody.execute(), now: Self.at(0))
        timer.clientSent(WireBody.sync, now: Self.at(0))
        timer.clientSent(WireBody.parse("b", "select 'b'"), now: Self.at(10))
        timer.clientSent(WireBody.bind("b"), now: Self.at(11))
        timer.clientSent(WireBody.execute(), now: Self.at(12))
        timer.clientSent(WireBody.sync, now: Self.at(13))
        timer.clientSent(WireBody.query("select 'c'"), now: Self.at(20))
        #expect(timer.pending == 3)
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(30)) == TimedQuery(duration: .milliseconds(30), statement: "select 'a'"))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(40)) == TimedQuery(duration: .milliseconds(30), statement: "select 'b'"))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(50)) == TimedQuery(duration: .milliseconds(30), statement: "select 'c'"))
        #expect(timer.pending == 0)
    }

    @Test("Flush does not end a batch")
    func flushKeepsTheBatchOpen() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("", "select 1"), now: Self.at(0))
        timer.clientSent(WireBody.bind(""), now: Self.at(1))
        timer.clientSent(WireBody.execute(), now: Self.at(2))
        timer.clientSent(WireBody.flush, now: Self.at(3))
        #expect(timer.pending == 0)
        timer.clientSent(WireBody.sync, now: Self.at(50))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(60)) == TimedQuery(duration: .milliseconds(60), statement: "select 1"))
    }

    @Test("a Query sent while a batch is open folds the batch in")
    func queryFoldsAnOpenBatch() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("", "select 1"), now: Self.at(0))
        timer.clientSent(WireBody.bind(""), now: Self.at(1))
        timer.clientSent(WireBody.execute(), now: Self.at(2))
        timer.clientSent(WireBody.query("select 2"), now: Self.at(5))
        #expect(timer.pending == 1)
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(9)) == TimedQuery(duration: .milliseconds(9), statement: "select 2"))
        // The batch is closed: a Sync now is a lone Sync.
        timer.clientSent(WireBody.sync, now: Self.at(20))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(21)) == TimedQuery(duration: .milliseconds(1), statement: ""))
    }

    @Test("a FunctionCall is timed like a Query; copy data changes nothing")
    func functionCallAndCopy() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.functionCall, now: Self.at(0))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(3)) == TimedQuery(duration: .milliseconds(3), statement: "<function call>"))
        timer.clientSent(WireBody.query("copy t from stdin"), now: Self.at(10))
        timer.clientSent(WireBody.copyData, now: Self.at(11))
        timer.clientSent(WireBody.copyData, now: Self.at(12))
        timer.clientSent(WireBody.copyDone, now: Self.at(13))
        #expect(timer.pending == 1)
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(20)) == TimedQuery(duration: .milliseconds(10), statement: "copy t from stdin"))
    }

    @Test("Close forgets a statement; a Bind of an unknown statement has no text")
    func closeAndUnknown() {
        var timer = QueryTimer()
        timer.clientSent(WireBody.parse("s", "select 1"), now: Self.at(0))
        timer.clientSent(WireBody.sync, now: Self.at(0))
        _ = timer.serverSent(WireBody.ready(), now: Self.at(1))
        timer.clientSent(WireBody.close("s"), now: Self.at(2))
        timer.clientSent(WireBody.sync, now: Self.at(2))
        _ = timer.serverSent(WireBody.ready(), now: Self.at(3))
        timer.clientSent(WireBody.bind("s"), now: Self.at(4))
        timer.clientSent(WireBody.execute(), now: Self.at(4))
        timer.clientSent(WireBody.sync, now: Self.at(4))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(5))?.statement == "")
        timer.clientSent(WireBody.bind("never-parsed"), now: Self.at(6))
        timer.clientSent(WireBody.sync, now: Self.at(6))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(7))?.statement == "")
    }

    @Test("a Query or Parse cut by the capture limit keeps the captured prefix of its text")
    func truncatedBodies() {
        var timer = QueryTimer()
        var body = ByteBuffer(string: "select * from a_very_long")   // no NUL: cut before the end
        timer.clientSent(ScannedMessage(type: UInt8(ascii: "Q"), bodyLength: 100_000, body: body, isTruncated: true), now: Self.at(0))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(1))?.statement == "select * from a_very_long")
        body = ByteBuffer()
        WireBody.cString("big", into: &body)
        body.writeString("insert into t values (1), (2")
        timer.clientSent(ScannedMessage(type: UInt8(ascii: "P"), bodyLength: 100_000, body: body, isTruncated: true), now: Self.at(2))
        timer.clientSent(WireBody.sync, now: Self.at(2))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(3))?.statement == "insert into t values (1), (2")
        timer.clientSent(WireBody.bind("big"), now: Self.at(4))
        timer.clientSent(WireBody.sync, now: Self.at(4))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(5))?.statement == "insert into t values (1), (2")
    }

    @Test("pending texts are bounded: past the budget entries are still timed, without text")
    func pendingTextBudget() {
        var timer = QueryTimer()
        let big = "select '" + String(repeating: "x", count: QueryTimer.maximumPendingTextBytes / 2 + 1) + "'"
        timer.clientSent(WireBody.query(big), now: Self.at(0))
        timer.clientSent(WireBody.query(big), now: Self.at(1))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(2)) == TimedQuery(duration: .milliseconds(2), statement: big))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(3)) == TimedQuery(duration: .milliseconds(2), statement: ""))
        // The budget is free again.
        timer.clientSent(WireBody.query(big), now: Self.at(4))
        #expect(timer.serverSent(WireBody.ready(), now: Self.at(5))?.statement == big)
    }

    @Test("the scanner types cover what the timer reads")
    func types() {
        #expect(QueryTimer.clientTypes.isSuperset(of: Set("QPBES".utf8)))
        #expect(QueryTimer.serverTypes == [UInt8(ascii: "Z")])
    }

    @Test("any mix of queries, batches and ReadyForQuery ends queries in order with their own times")
    func matchesAFIFO() async {
        await propertyCheck(input: Gen.int(in: 0...5).array(of: 1...80), Gen.int(in: 1...9).array(of: 80)) { steps, gaps in
            var timer = QueryTimer()
            var expected: [(start: Int, text: String)] = []
            var clock = 0
            for (index, step) in steps.enumerated() {
                clock += gaps[index]
                let text = "select \(index)"
                switch step {
                case 0:
                    timer.clientSent(WireBody.query(text), now: Self.at(clock))
                    expected.append((clock, text))
                case 1:
                    // A batch over two statements, spread over time, with a Flush inside.
                    let start = clock
                    timer.clientSent(WireBody.parse("s\(index)", text), now: Self.at(clock))
                    timer.clientSent(WireBody.parse("", "other"), now: Self.at(clock + 1))
                    timer.clientSent(WireBody.flush, now: Self.at(clock + 2))
                    timer.clientSent(WireBody.bind("s\(index)"), now: Self.at(clock + 3))
                    timer.clientSent(WireBody.execute(), now: Self.at(clock + 4))
                    clock += 5
                    timer.clientSent(WireBody.sync, now: Self.at(clock))
                    expected.append((start, text))
                default:
                    let timed = timer.serverSent(WireBody.ready(), now: Self.at(clock))
                    if expected.isEmpty {
                        #expect(timed == nil)
                    } else {
                        let oldest = expected.removeFirst()
                        #expect(timed == TimedQuery(duration: .milliseconds(clock - oldest.start), statement: oldest.text))
                    }
                }
                #expect(timer.pending == expected.count)
            }
        }
    }
}
