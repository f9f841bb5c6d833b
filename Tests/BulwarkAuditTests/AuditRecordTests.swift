import BulwarkAudit
import Foundation
import Testing

@Suite struct AuditRecordTests {
    @Test func aRecordDecodesToWhatWasEncodedAndItsHashLinksTheNext() throws {
        var entry = AuditEntry(kind: .request, id: AuditEventID(), time: Date(timeIntervalSince1970: 1_764_000_000.123))
        entry.method = "POST"
        entry.path = "/orders"
        entry.status = 201
        let first = try AuditRecord.encode(entry, sequence: 1, previousHash: AuditChain.genesis)
        guard case .record(let decoded, let length) = AuditRecord.decode(first.bytes, at: 0) else {
            Issue.record("the record did not decode")
            return
        }
        #expect(length == first.bytes.count)
        #expect(decoded == first.record)
        let second = try AuditRecord.encode(entry, sequence: 2, previousHash: first.record.hash)
        var chain = AuditChain()
        #expect(chain.append(first.record) == nil)
        #expect(chain.append(second.record) == nil)
        #expect(chain.sequence == 2)
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        // RFC 3720 B.4 / the CRC catalogue's check value for "123456789".
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func aUUIDv7CarriesItsMillisecondsAndVersion() {
        let time = Date(timeIntervalSince1970: 1_764_000_000.456)
        let id = AuditEventID(time: time)
        #expect(id.milliseconds == 1_764_000_000_456)
        #expect(id.description[id.description.index(id.description.startIndex, offsetBy: 14)] == "7")
    }
}
