import BulwarkAudit
import Foundation
import PropertyBased
import Testing

/// The record codec and the chain under arbitrary entries, cuts and byte changes.
@Suite("Audit record properties")
struct AuditRecordPropertyTests {
    /// Text with control characters, quotes, backslashes and non-ASCII scalars (JSON escaping).
    static let text = Gen.oneOf(
        Gen<Character>.ascii,
        Gen<Character>.character(in: "\u{80}"..."\u{D7FF}"),
        Gen<Character>.character(in: "\u{E000}"..."\u{10FFFF}")
    ).string(of: 0...24)

    /// An entry made of generated parts: `words` fill the text fields (empty means absent), `numbers`
    /// the kind, the time (whole milliseconds, as entries carry it), status, bytes and duration.
    static func entry(words: [String], numbers: [Int]) -> AuditEntry {
        func word(_ index: Int) -> String? { words[index].isEmpty ? nil : words[index] }
        let kind = AuditEntry.Kind.allCases[abs(numbers[0] % 3)]
        let milliseconds = Int64(abs(numbers[1] % 4_102_444_800_000))
        var entry = AuditEntry(kind: kind, id: AuditEventID(), time: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
        entry.actor = word(0)
        entry.client = word(1)
        entry.requestID = word(2)
        entry.method = word(3)
        entry.path = word(4)
        entry.route = word(5)
        entry.status = numbers[2] % 2 == 0 ? nil : abs(numbers[2] % 600)
        entry.target = word(6)
        entry.requestBody = word(7)
        entry.outcome = word(8)
        entry.action = word(9)
        entry.subject = word(10)
        entry.responseBytes = numbers[3] % 3 == 0 ? nil : numbers[3]
        entry.durationMilliseconds = numbers[4] % 3 == 0 ? nil : Double(numbers[4] % 1_000_000) / 8
        // Built by assignment: a generated key may be "k" itself (a literal with two equal keys traps).
        entry.detail = words[11].isEmpty ? nil : Dictionary([(words[11], words[0]), ("k", words[1])], uniquingKeysWith: { first, _ in first })
        return entry
    }

    static let words = text.array(of: 12)
    static let numbers = Gen.int(in: Int.min...Int.max).array(of: 5)

    @Test("an encoded record decodes to the same record, whatever the entry")
    func codecRoundTrip() async {
        await propertyCheck(input: Self.words, Self.numbers, Gen.int(in: 1...Int.max)) { words, numbers, sequence in
            let entry = Self.entry(words: words, numbers: numbers)
            let previous = (0..<32).map { UInt8(truncatingIfNeeded: sequence >> ($0 % 8)) }
            let (bytes, record) = try AuditRecord.encode(entry, sequence: UInt64(sequence), previousHash: previous)
            guard case .record(let decoded, let length) = AuditRecord.decode(bytes, at: 0) else {
                Issue.record("did not decode: \(AuditRecord.decode(bytes, at: 0))")
                return
            }
            #expect(length == bytes.count)
            #expect(decoded == record)
            #expect(decoded.entry == entry)
        }
    }

    @Test("a stream cut anywhere decodes its whole records, then says incomplete; arbitrary bytes never crash")
    func truncatedStreams() async {
        await propertyCheck(input: Self.words.array(of: 1...5), Self.numbers, Gen.int(in: 0...Int.max), Gen<UInt8>.value(in: 0...255).array(of: 0...64)) {
            wordLists, numbers, cutSeed, garbage in
            var stream = [UInt8]()
            var ends: [Int] = []
            var records: [AuditRecord] = []
            var head = AuditChain.genesis
            for (index, words) in wordLists.enumerated() {
                let (bytes, record) = try AuditRecord.encode(Self.entry(words: words, numbers: numbers), sequence: UInt64(index + 1), previousHash: head)
                head = record.hash
                stream += bytes
                ends.append(stream.count)
                records.append(record)
            }
            let cut = cutSeed % (stream.count + 1)
            let truncated = Array(stream.prefix(cut))
            var offset = 0
            var decoded: [AuditRecord] = []
            while offset < truncated.count, case .record(let record, let length) = AuditRecord.decode(truncated, at: offset) {
                decoded.append(record)
                offset += length
            }
            let whole = ends.filter { $0 <= cut }.count
            #expect(decoded == Array(records.prefix(whole)))
            if cut < stream.count {
                #expect(AuditRecord.decode(truncated, at: offset) == .incomplete)
            }
            // Garbage after the intact records: never a crash, and a record found there fits in the bytes.
            let dirty = Array(stream.prefix(ends[whole == 0 ? 0 : whole - 1])) + garbage
            let start = whole == 0 ? 0 : ends[whole - 1]
            if whole > 0, case .record(_, let length) = AuditRecord.decode(dirty, at: start) {
                #expect(start + length <= dirty.count)
            }
        }
    }

    @Test("any single-byte change in a journal of chained records is found by verify")
    func singleByteChangesAreDetected() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        try FileManager.default.createDirectory(atPath: temporary.journal, withIntermediateDirectories: false)
        let path = temporary.journal + "/segment-0000000000000001.log"
        await propertyCheck(count: 150, input: Self.words.array(of: 1...4), Self.numbers, Gen.int(in: 0...Int.max), Gen<UInt8>.value(in: 1...255)) {
            wordLists, numbers, positionSeed, flip in
            let segment = JournalFixtures.header(first: 1) + (try JournalFixtures.chain(wordLists.map { Self.entry(words: $0, numbers: numbers) }))
            try JournalFixtures.write(segment, to: path)
            #expect(try AuditVerifier.verify(directory: temporary.journal).isIntact)
            var changed = segment
            let position = positionSeed % segment.count
            changed[position] ^= flip
            try JournalFixtures.write(changed, to: path)
            let verification = try AuditVerifier.verify(directory: temporary.journal)
            #expect(!verification.isIntact, "byte \(position) of \(segment.count) xor \(flip) went unnoticed")
        }
    }
}
