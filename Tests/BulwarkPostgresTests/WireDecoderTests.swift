import BulwarkPostgresWire
import NIOCore
import Testing

@Suite("Postgres wire: body decoders")
struct WireDecoderTests {
    private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
    private let c = WireBytes.cString

    @Test("Query: the text, only when it is one C string ending the body")
    func queryText() {
        #expect(FrontendMessage.queryText(buffer(c("select 1"))) == "select 1")
        #expect(FrontendMessage.queryText(buffer(c(""))) == "")
        #expect(FrontendMessage.queryText(buffer(Array("select 1".utf8))) == nil)
        #expect(FrontendMessage.queryText(buffer(c("select 1") + [0x41])) == nil)
        #expect(FrontendMessage.queryText(buffer([])) == nil)
        #expect(FrontendMessage.queryText(buffer([0xFF, 0xFE, 0])) == "\u{FFFD}\u{FFFD}")
    }

    @Test("Parse: the statement name and the query; the parameter types after them are not needed")
    func parse() {
        let body = c("s1") + c("select $1") + WireBytes.int16(1) + WireBytes.int32(23)
        let parsed = FrontendMessage.parse(buffer(body))
        #expect(parsed?.statementName == "s1")
        #expect(parsed?.query == "select $1")
        let unnamed = FrontendMessage.parse(buffer(c("") + c("select 2") + WireBytes.int16(0)))
        #expect(unnamed?.statementName == "")
        #expect(unnamed?.query == "select 2")
        #expect(FrontendMessage.parse(buffer(c("s1"))) == nil)
        #expect(FrontendMessage.parse(buffer(c("s1") + Array("select".utf8))) == nil)
        #expect(FrontendMessage.parse(buffer([])) == nil)
    }

    @Test("Bind: the statement name after the portal name")
    func bind() {
        let body = c("portal") + c("s1") + WireBytes.int16(0) + WireBytes.int16(1) + WireBytes.int32(1) + [0x31] + WireBytes.int16(0)
        #expect(FrontendMessage.bindStatementName(buffer(body)) == "s1")
        #expect(FrontendMessage.bindStatementName(buffer(c("") + c(""))) == "")
        #expect(FrontendMessage.bindStatementName(buffer(c("portal"))) == nil)
        #expect(FrontendMessage.bindStatementName(buffer(c("portal") + [0x73])) == nil)
        #expect(FrontendMessage.bindStatementName(buffer([])) == nil)
    }

    @Test("statement text of a scanned message: whole, or the captured prefix of a truncated one")
    func statementText() {
        let q = UInt8(ascii: "Q"), p = UInt8(ascii: "P")
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: q, body: buffer(c("select 1")))) == "select 1")
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: q, bodyLength: 100, body: buffer(Array("select ".utf8)), isTruncated: true)) == "select ")
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: p, body: buffer(c("s") + c("select 2") + WireBytes.int16(0)))) == "select 2")
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: p, bodyLength: 100, body: buffer(c("s") + Array("sel".utf8)), isTruncated: true)) == "sel")
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: p, bodyLength: 100, body: buffer(Array("s".utf8)), isTruncated: true)) == nil)
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: q, bodyLength: 9, body: nil)) == nil)
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: UInt8(ascii: "B"), body: buffer(c("") + c("")))) == nil)
        // A complete but malformed Query is not guessed at.
        #expect(FrontendMessage.statementText(of: ScannedMessage(type: q, body: buffer(Array("select".utf8)))) == nil)
    }

    @Test("BackendKeyData: a process ID and a 4 to 256 byte secret")
    func backendKey() {
        #expect(BackendMessage.backendKey(buffer(WireBytes.int32(4242) + [1, 2, 3, 4])) == BackendKey(processID: 4242, secretKey: [1, 2, 3, 4]))
        let long = [UInt8](repeating: 5, count: 256)
        #expect(BackendMessage.backendKey(buffer(WireBytes.int32(-1) + long)) == BackendKey(processID: -1, secretKey: long))
        #expect(BackendMessage.backendKey(buffer(WireBytes.int32(1) + [1, 2, 3])) == nil)
        #expect(BackendMessage.backendKey(buffer(WireBytes.int32(1) + long + [0])) == nil)
        #expect(BackendMessage.backendKey(buffer([0, 0])) == nil)
    }

    @Test("ReadyForQuery: I, T or E, one byte")
    func readyStatus() {
        for status in "ITE".utf8 { #expect(BackendMessage.readyStatus(buffer([status])) == status) }
        #expect(BackendMessage.readyStatus(buffer([UInt8(ascii: "X")])) == nil)
        #expect(BackendMessage.readyStatus(buffer([])) == nil)
        #expect(BackendMessage.readyStatus(buffer([UInt8(ascii: "I"), 0])) == nil)
    }

    @Test("ErrorResponse/NoticeResponse fields, ended by one zero byte at the very end")
    func errorFields() {
        let body = [UInt8(ascii: "S")] + c("ERROR") + [UInt8(ascii: "C")] + c("42P01") + [UInt8(ascii: "M")] + c("relation \"x\" does not exist") + [0]
        #expect(BackendMessage.errorFields(buffer(body)) == [
            UInt8(ascii: "S"): "ERROR", UInt8(ascii: "C"): "42P01", UInt8(ascii: "M"): "relation \"x\" does not exist",
        ])
        #expect(BackendMessage.errorFields(buffer([0])) == [:])
        #expect(BackendMessage.errorFields(buffer([])) == nil)
        #expect(BackendMessage.errorFields(buffer(Array(body.dropLast()))) == nil)
        #expect(BackendMessage.errorFields(buffer(body + [0])) == nil)
        #expect(BackendMessage.errorFields(buffer([UInt8(ascii: "S")] + Array("ERROR".utf8))) == nil)
    }

    @Test("the decoders never trap on any short body")
    func neverTrap() {
        // Every body of up to 3 bytes over an alphabet that includes NUL and the status letters.
        let alphabet: [UInt8] = [0, 0x49, 0x54, 0x45, 0x53, 0xFF]
        var bodies: [[UInt8]] = [[]]
        for _ in 0..<3 { bodies += bodies.filter { $0.count == bodies.last!.count }.flatMap { body in alphabet.map { body + [$0] } } }
        var decoded = 0
        for bytes in bodies {
            let body = buffer(bytes)
            decoded += FrontendMessage.queryText(body) == nil ? 0 : 1
            decoded += FrontendMessage.parse(body) == nil ? 0 : 1
            decoded += FrontendMessage.bindStatementName(body) == nil ? 0 : 1
            decoded += BackendMessage.backendKey(body) == nil ? 0 : 1
            decoded += BackendMessage.readyStatus(body) == nil ? 0 : 1
            decoded += BackendMessage.errorFields(body) == nil ? 0 : 1
        }
        #expect(bodies.count == 1 + 6 + 36 + 216)
        #expect(decoded > 0)
    }
}
