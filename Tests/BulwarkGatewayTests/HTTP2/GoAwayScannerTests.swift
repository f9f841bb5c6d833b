@testable import BulwarkGateway
import Resilience
import Testing

/// ``GoAwayScanner`` against outbound byte streams cut the way NIOHTTP2 writes them: frame headers whole,
/// DATA payloads in separate writes, cut again anywhere inside.
@Suite("GoAwayScanner")
struct GoAwayScannerTests {
    /// A frame as NIOHTTP2 would write it: the header and (for DATA) the payload as two writes.
    static func frame(type: UInt8, payload: [UInt8]) -> [[UInt8]] {
        let count = payload.count
        let header: [UInt8] = [UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF), type, 0, 0, 0, 0, 1]
        return type == 0 ? [header, payload] : [header + payload]
    }

    static func goAway(code: UInt32) -> [UInt8] {
        [0, 0, 0, 0, UInt8(code >> 24), UInt8(code >> 16 & 0xFF), UInt8(code >> 8 & 0xFF), UInt8(code & 0xFF)]
    }

    @Test("a GOAWAY with an error code is reported; a graceful one (NO_ERROR) is not")
    func examples() {
        var graceful = GoAwayScanner()
        let gracefulReported = graceful.scan(Self.frame(type: 7, payload: Self.goAway(code: 0))[0])
        #expect(gracefulReported == nil)
        var failing = GoAwayScanner()
        let failingReported = failing.scan(Self.frame(type: 7, payload: Self.goAway(code: 11))[0])
        #expect(failingReported == 11)
    }

    @Test("DATA payloads that look like GOAWAY frames never fool it")
    func payloadLookalike() {
        var scanner = GoAwayScanner()
        let lookalike = Self.frame(type: 7, payload: Self.goAway(code: 1))[0]
        for write in Self.frame(type: 0, payload: lookalike + lookalike) {
            let reported = scanner.scan(write)
            #expect(reported == nil)
        }
        let reported = scanner.scan(Self.frame(type: 7, payload: Self.goAway(code: 2))[0])
        #expect(reported == 2)
    }

    @Test("random frame sequences, payloads cut anywhere: reported exactly when an error GOAWAY is written")
    func randomSequences() {
        var random = RandomSource.seeded(0x6A0A).generator
        for _ in 0..<2_000 {
            var scanner = GoAwayScanner()
            var expected = false
            var reported = false
            for _ in 0..<Int(random.next() % 12) {
                let type = [UInt8(0), 1, 3, 4, 6, 7, 8][Int(random.next() % 7)]
                let payload: [UInt8]
                if type == 7 {
                    let code = random.next() % 3 == 0 ? UInt32(random.next() % 14) : 0
                    expected = expected || code != 0
                    payload = Self.goAway(code: code) + (0..<Int(random.next() % 20)).map { _ in UInt8(random.next() & 0xFF) }
                } else {
                    payload = (0..<Int(random.next() % 300)).map { _ in UInt8(random.next() & 0xFF) }
                }
                for (index, write) in Self.frame(type: type, payload: payload).enumerated() {
                    // A DATA payload (the second write) may itself arrive in pieces; headers never do.
                    var rest = write[...]
                    while !rest.isEmpty {
                        let cut = index == 1 ? max(1, Int(random.next() % UInt64(rest.count + 1))) : rest.count
                        if scanner.scan(rest.prefix(cut)) != nil { reported = true }
                        rest = rest.dropFirst(cut)
                    }
                }
            }
            #expect(reported == expected)
            if reported != expected { return }
        }
    }
}
