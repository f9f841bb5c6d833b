@testable import BulwarkOperations
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test, where `mount(2)` is allowed (root on Linux).
private enum Tmpfs {
    /// Whether a tmpfs can be mounted and unmounted here.
    static let canMount: Bool = {
        #if os(Linux)
        guard geteuid() == 0, let directory = try? mount(options: "size=64k") else { return false }
        unmount(directory)
        return true
        #else
        return false
        #endif
    }()

    /// A new directory with a tmpfs mounted on it.
    static func mount(options: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        #if os(Linux)
        guard Glibc.mount("tmpfs", directory, "tmpfs", 0, options) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: directory)
            throw DiskUsageError(path: directory, reason: "mount: \(reason)", code: errno)
        }
        #endif
        return directory
    }

    /// Unmounts and removes `directory`.
    static func unmount(_ directory: String) {
        #if os(Linux)
        if umount2(directory, 0) != 0 { _ = umount2(directory, Int32(MNT_DETACH)) }
        #endif
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite(.timeLimit(.minutes(1))) struct StatvfsDiskUsageSourceTests {
    @Test func aTemporaryDirectoryHasSaneFigures() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-statvfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let usage = try StatvfsDiskUsageSource().usage(of: directory)
        #expect(usage.totalBytes > 0)
        #expect(usage.totalBytes >= usage.availableBytes)
        let free = try #require(usage.freeBytes)
        #expect(free >= usage.availableBytes && free <= usage.totalBytes)
        #expect((0...1).contains(usage.spaceUsedRatio))
        #expect(usage.freeInodes <= usage.totalInodes)
        if let inodes = usage.inodesUsedRatio { #expect((0...1).contains(inodes)) }
    }

    @Test func aMissingDirectoryIsAnErrorThatSaysSo() async throws {
        let path = "/nonexistent-\(UUID().uuidString)"
        let error = try #require(throws: DiskUsageError.self) { try StatvfsDiskUsageSource().usage(of: path) }
        #expect(error.description == "no such directory: \(path)")
        #expect(error.code == ENOENT)
        #expect(await DiskProbe(path: path, warning: 0.8, error: 0.9).probe(timeout: .seconds(1)) == .failed("cannot read \(path): no such directory"))
    }

    @Test func otherErrorsCarryTheSystemsText() throws {
        let error = try #require(throws: DiskUsageError.self) { try StatvfsDiskUsageSource().usage(of: "/dev/null/below") }
        #expect(error.description == "Not a directory: /dev/null/below")
        #expect(throws: DiskUsageError(path: "", reason: "no directory given")) { try StatvfsDiskUsageSource().usage(of: "") }
    }

    @Test(.enabled(if: Tmpfs.canMount, "mounting a tmpfs needs root on Linux"))
    func aFilledTmpfsFailsTheProbe() async throws {
        let directory = try Tmpfs.mount(options: "size=1m")
        defer { Tmpfs.unmount(directory) }
        let probe = DiskProbe(path: directory, warning: 0.8, error: 0.9)
        #expect(await probe.probe(timeout: .seconds(1)) == .passed(detail: "0.0% of space, 0.0% of inodes used"))
        // 1 MiB is 256 pages of 4 KiB; 240 of them is 93.75%.
        #expect(FileManager.default.createFile(atPath: directory + "/fill", contents: Data(count: 960 * 1024)))
        #expect(await probe.probe(timeout: .seconds(1)) == .failed("93.8% of space used on \(directory) (error at 90%)"))
    }

    @Test(.enabled(if: Tmpfs.canMount, "mounting a tmpfs needs root on Linux"))
    func aTmpfsOutOfInodesFailsTheProbe() async throws {
        let directory = try Tmpfs.mount(options: "size=1m,nr_inodes=10")
        defer { Tmpfs.unmount(directory) }
        // The root directory holds one inode; eight empty files make nine of ten.
        for index in 0..<8 { #expect(FileManager.default.createFile(atPath: directory + "/\(index)", contents: nil)) }
        let outcome = await DiskProbe(path: directory, warning: 0.8, error: 0.9).probe(timeout: .seconds(1))
        #expect(outcome == .failed("90.0% of inodes used on \(directory) (error at 90%)"))
    }
}
