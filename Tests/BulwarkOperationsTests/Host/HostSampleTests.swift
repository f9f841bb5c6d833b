@testable import BulwarkOperations
import Foundation
import Testing

/// Answers for `/ok` only.
private struct OneDirectory: DiskUsageSource {
    static let usage = DiskUsage(totalBytes: 1_000, availableBytes: 600, freeBytes: 600, totalInodes: 10, freeInodes: 5)

    func usage(of path: String) throws -> DiskUsage {
        guard path == "/ok" else { throw DiskUsageError(path: path, reason: "no such directory") }
        return Self.usage
    }
}

@Suite(.timeLimit(.minutes(1))) struct HostSampleTests {
    @Test func eachDirectoryGetsItsFiguresOrItsError() {
        let sample = HostSample.read(directories: [("backup", "/missing"), ("journal", "/ok")], source: OneDirectory())
        #expect(sample.directories == [
            DirectoryUsage(label: "backup", path: "/missing", usage: nil, error: "no such directory: /missing"),
            DirectoryUsage(label: "journal", path: "/ok", usage: OneDirectory.usage, error: nil),
        ])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ProcNetDev.path), "needs Linux's /proc/net/dev"))
    func theRealHostHasNetworkCountersAndDisks() throws {
        let sample = HostSample.read(directories: [("temporary", NSTemporaryDirectory())])
        #expect(sample.network.contains { $0.name == "lo" })
        let usage = try #require(sample.directories.first?.usage)
        #expect(usage.totalBytes > 0)
    }
}
