@testable import BulwarkOperations
import PropertyBased
import Resilience
import Testing

/// A free-space source that answers with fixed figures or a fixed error.
private struct FixedDiskUsage: DiskUsageSource {
    var result: Result<DiskUsage, any Error>

    func usage(of path: String) throws -> DiskUsage { try result.get() }
}

private struct OtherFailure: Error, CustomStringConvertible {
    var description: String { "the disk is on fire" }
}

/// `used` of 1 000 bytes in use, no reserve; `inodesUsed` of 1 000 inodes.
private func usage(used: UInt64, inodesUsed: UInt64 = 10, totalInodes: UInt64 = 1_000) -> DiskUsage {
    DiskUsage(totalBytes: 1_000, availableBytes: 1_000 - used, freeBytes: 1_000 - used, totalInodes: totalInodes, freeInodes: totalInodes - inodesUsed)
}

@Suite(.timeLimit(.minutes(1))) struct DiskProbeTests {
    @Test func belowTheWarningThresholdPassesAndSaysHowFullItIs() {
        #expect(DiskProbe.evaluate(usage(used: 799, inodesUsed: 21), warning: 0.8, error: 0.9, path: "/data")
            == .passed(detail: "79.9% of space, 2.1% of inodes used"))
        #expect(DiskProbe.evaluate(usage(used: 340), warning: 0.8, error: 0.9) == .passed(detail: "34.0% of space, 1.0% of inodes used"))
    }

    @Test func exactlyAtTheWarningThresholdWarns() {
        #expect(DiskProbe.evaluate(usage(used: 800), warning: 0.8, error: 0.9, path: "/data")
            == .warning("80.0% of space used on /data (warning at 80%)"))
        #expect(DiskProbe.evaluate(usage(used: 899), warning: 0.8, error: 0.9, path: "/data")
            == .warning("89.9% of space used on /data (warning at 80%)"))
    }

    @Test func atOrAboveTheErrorThresholdFails() {
        #expect(DiskProbe.evaluate(usage(used: 900), warning: 0.8, error: 0.9, path: "/data")
            == .failed("90.0% of space used on /data (error at 90%)"))
        #expect(DiskProbe.evaluate(usage(used: 921), warning: 0.8, error: 0.9, path: "/var/lib/bulwark")
            == .failed("92.1% of space used on /var/lib/bulwark (error at 90%)"))
        #expect(DiskProbe.evaluate(usage(used: 1_000), warning: 0.8, error: 0.9) == .failed("100.0% of space used (error at 90%)"))
    }

    @Test func theSuperusersReserveCountsAsNeitherUsedNorAvailableAsInDf() {
        // 900 used, 50 available to users, 50 reserved: 900 / 950.
        let reserved = DiskUsage(totalBytes: 1_000, availableBytes: 50, freeBytes: 100, totalInodes: 0, freeInodes: 0)
        #expect(reserved.usedBytes == 900)
        #expect(DiskProbe.evaluate(reserved, warning: 0.8, error: 0.95, path: "/d") == .warning("94.7% of space used on /d (warning at 80%)"))
        // Without the free figure, the available one stands in for it.
        let unknownFree = DiskUsage(totalBytes: 1_000, availableBytes: 50, freeBytes: nil, totalInodes: 0, freeInodes: 0)
        #expect(unknownFree.spaceUsedRatio == 0.95)
    }

    @Test func inodesFullerThanSpaceDecide() {
        #expect(DiskProbe.evaluate(usage(used: 340, inodesUsed: 950), warning: 0.8, error: 0.9, path: "/data")
            == .failed("95.0% of inodes used on /data (error at 90%)"))
        #expect(DiskProbe.evaluate(usage(used: 850, inodesUsed: 820), warning: 0.8, error: 0.9, path: "/data")
            == .warning("85.0% of space used on /data (warning at 80%)"))
        #expect(DiskProbe.evaluate(usage(used: 850, inodesUsed: 910), warning: 0.8, error: 0.9, path: "/data")
            == .failed("91.0% of inodes used on /data (error at 90%)"))
    }

    @Test func filesystemsWithoutInodeCountsAreJudgedOnSpaceAlone() {
        let noInodes = DiskUsage(totalBytes: 1_000, availableBytes: 660, freeBytes: 660, totalInodes: 0, freeInodes: 0)
        #expect(noInodes.inodesUsedRatio == nil)
        #expect(DiskProbe.evaluate(noInodes, warning: 0.8, error: 0.9) == .passed(detail: "34.0% of space used"))
        let empty = DiskUsage(totalBytes: 0, availableBytes: 0, freeBytes: 0, totalInodes: 0, freeInodes: 0)
        #expect(empty.spaceUsedRatio == 0)
        #expect(DiskProbe.evaluate(empty, warning: 0.8, error: 0.9) == .passed(detail: "0.0% of space used"))
    }

    @Test func thresholdsKeepTheirDecimalsOnlyWhenTheyHaveThem() {
        #expect(DiskProbe.evaluate(usage(used: 860), warning: 0.855, error: 0.975, path: "/d") == .warning("86.0% of space used on /d (warning at 85.5%)"))
        #expect(DiskProbe.threshold(0.9) == "90%")
        #expect(DiskProbe.percent(0.00051) == "0.1%")
    }

    @Test func theProbeJudgesWhatItsSourceReports() async {
        let full = DiskProbe(path: "/var/lib/bulwark", warning: 0.8, error: 0.9, source: FixedDiskUsage(result: .success(usage(used: 921))))
        #expect(await full.probe(timeout: .seconds(1)) == .failed("92.1% of space used on /var/lib/bulwark (error at 90%)"))
        let fine = DiskProbe(path: "/data", warning: 0.8, error: 0.9, source: FixedDiskUsage(result: .success(usage(used: 340, inodesUsed: 21))))
        #expect(await fine.probe(timeout: .seconds(1)) == .passed(detail: "34.0% of space, 2.1% of inodes used"))
    }

    @Test func anUnreadablePathFailsWithTheReason() async {
        let missing = FixedDiskUsage(result: .failure(DiskUsageError(path: "/x", reason: "no such directory", code: 2)))
        #expect(await DiskProbe(path: "/x", warning: 0.8, error: 0.9, source: missing).probe(timeout: .seconds(1))
            == .failed("cannot read /x: no such directory"))
        let other = FixedDiskUsage(result: .failure(OtherFailure()))
        #expect(await DiskProbe(path: "/x", warning: 0.8, error: 0.9, source: other).probe(timeout: .seconds(1))
            == .failed("cannot read /x: the disk is on fire"))
    }

    /// 0 passed, 1 warning, 2 failed.
    private static func severity(_ outcome: ProbeOutcome) -> Int {
        switch outcome {
        case .passed: 0
        case .warning: 1
        case .failed: 2
        }
    }

    @Test func usingMoreSpaceNeverImprovesTheOutcome() async {
        await propertyCheck(
            count: 300,
            input: Gen.uint64(in: 0...(1 << 50)), Gen.double(in: 0...1), Gen.double(in: 0...1), Gen.uint64()
        ) { total, warning, error, seed in
            var random = RandomSource.seeded(seed).generator
            let free = UInt64.random(in: 0...total, using: &random)
            let totalInodes = UInt64.random(in: 0...1_000_000, using: &random)
            var current = DiskUsage(
                totalBytes: total,
                availableBytes: UInt64.random(in: 0...free, using: &random),
                freeBytes: Bool.random(using: &random) ? free : nil,
                totalInodes: totalInodes,
                freeInodes: UInt64.random(in: 0...totalInodes, using: &random)
            )
            var previous = Self.severity(DiskProbe.evaluate(current, warning: warning, error: error))
            for _ in 0..<20 {
                let room = current.freeBytes ?? current.availableBytes
                let grown = UInt64.random(in: 0...room, using: &random)
                let before = current.spaceUsedRatio
                current.freeBytes = current.freeBytes.map { $0 - grown }
                current.availableBytes -= min(grown, current.availableBytes)
                #expect(current.spaceUsedRatio >= before)
                #expect((0...1).contains(current.spaceUsedRatio))
                let now = Self.severity(DiskProbe.evaluate(current, warning: warning, error: error))
                #expect(now >= previous, "\(current) got better at warning \(warning), error \(error)")
                previous = now
            }
        }
    }
}
