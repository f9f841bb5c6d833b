@testable import BulwarkOperations
import Foundation
import PropertyBased
import Resilience
import Testing

@Suite(.timeLimit(.minutes(1))) struct ProcNetDevTests {
    /// `cat /proc/net/dev` on a CI machine.
    static let captured = #"""
    Inter-|   Receive                                                |  Transmit
     face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
        lo: 1057863302033 363556517    0   22    0     0          0         0 1057863302033 363556517    0    0    0     0       0          0
      ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
      ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
      eth0: 248451286   18098    0    0    0     0          0         0  1336263   16083    0    0    0     0       0          0

    """#

    static func counters(_ name: String, _ values: [UInt64]) -> NetworkInterfaceCounters {
        NetworkInterfaceCounters(
            name: name,
            receiveBytes: values[0], receivePackets: values[1], receiveErrors: values[2], receiveDrops: values[3],
            transmitBytes: values[4], transmitPackets: values[5], transmitErrors: values[6], transmitDrops: values[7]
        )
    }

    @Test func aCapturedFileParses() {
        #expect(ProcNetDev.parse(Self.captured) == [
            Self.counters("lo", [1_057_863_302_033, 363_556_517, 0, 22, 1_057_863_302_033, 363_556_517, 0, 0]),
            Self.counters("ifb0", [0, 0, 0, 0, 0, 0, 0, 0]),
            Self.counters("ifb1", [0, 0, 0, 0, 0, 0, 0, 0]),
            Self.counters("eth0", [248_451_286, 18_098, 0, 0, 1_336_263, 16_083, 0, 0]),
        ])
    }

    @Test func wideCountersLeaveNoSpaceAfterTheColon() {
        let text = "  eth0:18446744073709551615 5 1 2 0 0 0 0 5678 6 3 4 0 0 0 0\r\nwlan0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        #expect(ProcNetDev.parse(text) == [
            Self.counters("eth0", [.max, 5, 1, 2, 5678, 6, 3, 4]),
            Self.counters("wlan0", [1, 2, 3, 4, 9, 10, 11, 12]),
        ])
    }

    @Test func malformedLinesAreSkipped() {
        let text = """
        garbage
        eth1: 1 2 3
        eth2: 1 2 x 4 5 6 7 8 9 10 11 12 13 14 15 16
        : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
        bad name: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
        eth3: 18446744073709551616 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
        eth4: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
        eth5: +1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
          ok0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
        """
        #expect(ProcNetDev.parse(text).map(\.name) == ["ok0"])
        #expect(ProcNetDev.parse("").isEmpty)
    }

    @Test func randomBytesNeverCrashTheParserAndOnlyWholeLinesParse() async {
        let alphabet = Array("0123456789 :\t\nab-".utf8) + [0x00, 0xC3, 0xCC, 0x81, 0xFF, 0x0D]
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...400), Gen.element(of: alphabet).array(of: 0...400)) { raw, biased in
            for bytes in [raw, biased.compactMap { $0 }] {
                let text = String(decoding: bytes, as: UTF8.self)
                let parsed = ProcNetDev.parse(text)
                let lines = text.split(whereSeparator: \.isNewline)
                #expect(parsed == lines.compactMap(ProcNetDev.parseLine))
                for interface in parsed {
                    #expect(!interface.name.isEmpty && !interface.name.contains(where: { $0.isWhitespace || $0 == ":" }))
                    #expect(text.contains("\(interface.name):"))
                }
            }
        }
    }

    @Test func generatedFilesParseBackWithGarbageInBetween() async {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.int(in: 0...8)) { seed, count in
            var random = RandomSource.seeded(seed).generator
            var expected: [NetworkInterfaceCounters] = []
            var lines = ["Inter-|   Receive |  Transmit", " face |bytes    packets errs drop|bytes    packets"]
            for index in 0..<count {
                let values = (0..<16).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) >> UInt64.random(in: 0...63, using: &random) }
                let gap = { (random: inout RandomSource.Generator) in String(repeating: " ", count: Int.random(in: 1...6, using: &random)) }
                let indent = String(repeating: " ", count: Int.random(in: 0...4, using: &random))
                let afterColon = Bool.random(using: &random) ? "" : gap(&random)
                let fields = values.map { "\($0)" }.joined(separator: gap(&random))
                lines.append("\(indent)if\(index):\(afterColon)\(fields)")
                expected.append(Self.counters("if\(index)", [values[0], values[1], values[2], values[3], values[8], values[9], values[10], values[11]]))
                if Bool.random(using: &random) { lines.append("junk | \(values[0]) x") }
            }
            #expect(ProcNetDev.parse(lines.joined(separator: "\n")) == expected)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ProcNetDev.path), "needs Linux's /proc/net/dev"))
    func theRealFileListsTheLoopback() {
        let interfaces = ProcNetDev.read()
        #expect(interfaces.contains { $0.name == "lo" })
    }

    @Test func anUnreadableFileReadsAsNoInterfaces() {
        #expect(ProcNetDev.read(from: "/nonexistent/net/dev").isEmpty)
    }
}
