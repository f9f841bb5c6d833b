import BulwarkPostgres
import Testing

@Suite("WAL positions (pg_lsn text)")
struct ClusterTopologyWALPositionTests {
    @Test("HIGH/LOW in hexadecimal parses to one 64-bit number")
    func parses() {
        #expect(WALPosition("0/0")?.value == 0)
        #expect(WALPosition("16/B374D848")?.value == 0x16_B374_D848)
        #expect(WALPosition("16/b374d848") == WALPosition("16/B374D848"))
        #expect(WALPosition("0/00000001")?.value == 1)
        #expect(WALPosition("FFFFFFFF/FFFFFFFF")?.value == .max)
        #expect(WALPosition("1/0")?.value == 1 << 32)
    }

    @Test("anything else is nil, never a trap", arguments: [
        "", "0", "/", "0/", "/0", "1/2/3", "G/0", "0/G", "123456789/0", "0/123456789", "+1/0", "-1/0", " 1/0", "1/0 ", "0x1/0", "1 /0", "١/0",
    ])
    func malformed(_ text: String) {
        #expect(WALPosition(text) == nil)
    }

    @Test("positions order as the log does, and print as PostgreSQL does")
    func orderAndText() throws {
        let low = try #require(WALPosition("0/FFFFFFFF"))
        let high = try #require(WALPosition("1/0"))
        #expect(low < high && !(high < low))
        #expect(try #require(WALPosition("16/B374D848")) > high)
        #expect(WALPosition(0x16_B374_D848).description == "16/B374D848")
        #expect(WALPosition(0).description == "0/0")
        #expect(WALPosition(WALPosition(0xAB_0000_00CD).description) == WALPosition(0xAB_0000_00CD))
    }
}
