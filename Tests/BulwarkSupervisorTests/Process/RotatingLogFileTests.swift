import BulwarkSupervisor
import Foundation
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct RotatingLogFileTests {
    @Test func rotatesKeepingTheNewestFilesWithPrivateModes() async throws {
        try await withScratchDirectory { root in
            let directory = root + "/logs/app"
            let log = try RotatingLogFile(directory: directory, name: "app", maxBytes: 4096, keep: 3)
            let lines = (0..<400).map { String(format: "line %04d ", $0) + String(repeating: "-", count: 89) + "\n" }   // 100 bytes each
            for line in lines { log.write(Array(line.utf8)) }

            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(names == ["app.log", "app.log.1", "app.log.2", "app.log.3"])
            let files = ["app.log.3", "app.log.2", "app.log.1", "app.log"].map { directory + "/" + $0 }
            var kept = ""
            for file in files {
                let contents = try String(contentsOfFile: file, encoding: .utf8)
                #expect(contents.utf8.count <= 4096)
                #expect(contents.hasSuffix("\n"))
                #expect(try mode(file) == 0o600)
                kept += contents
            }
            // The newest lines, in order: the oldest files were dropped.
            #expect(lines.joined().hasSuffix(kept))
            #expect(!kept.contains("line 0000"))
            #expect(try mode(directory) == 0o700)
        }
    }

    @Test func putsALineLongerThanAFileAloneInAFile() async throws {
        try await withScratchDirectory { directory in
            let log = try RotatingLogFile(directory: directory, name: "app", maxBytes: 4096, keep: 5)
            let long = String(repeating: "L", count: 5000) + "\n"
            log.write(Array("before\n".utf8))
            log.write(Array((long + "after\n").utf8))
            let contents = try ["app.log.2", "app.log.1", "app.log"].map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
            #expect(contents == ["before\n", long, "after\n"])
        }
    }

    @Test func splitsOneLargeWriteAtLineEnds() async throws {
        try await withScratchDirectory { directory in
            let log = try RotatingLogFile(directory: directory, name: "app", maxBytes: 10, keep: 5)
            log.write(Array("aaaa\nbbbb\ncccc\n".utf8))
            let contents = try ["app.log.1", "app.log"].map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
            #expect(contents == ["aaaa\nbbbb\n", "cccc\n"])
        }
    }

    @Test func appendsToAnExistingFile() async throws {
        try await withScratchDirectory { directory in
            try RotatingLogFile(directory: directory, name: "app", maxBytes: 100, keep: 1).write(Array("one\n".utf8))
            try RotatingLogFile(directory: directory, name: "app", maxBytes: 100, keep: 1).write(Array("two\n".utf8))
            #expect(try String(contentsOfFile: directory + "/app.log", encoding: .utf8) == "one\ntwo\n")
        }
    }

    @Test func reportsAFailureOnceAndResumesWhenItCan() async throws {
        try await withScratchDirectory { root in
            let directory = root + "/logs"
            let errors = Mutex<[LogFileError]>([])
            let log = try RotatingLogFile(directory: directory, name: "app", maxBytes: 8, keep: 1) { error in
                errors.withLock { $0.append(error) }
            }
            log.write(Array("1234567\n".utf8))
            try FileManager.default.removeItem(atPath: directory)
            for _ in 0..<5 { log.write(Array("lost\n".utf8)) }   // each one needs a rotation, which cannot reopen
            #expect(errors.withLock { $0.count } == 1)
            #expect(errors.withLock { $0.first?.path } == directory + "/app.log")

            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            log.write(Array("back\n".utf8))
            #expect(try String(contentsOfFile: directory + "/app.log", encoding: .utf8) == "back\n")
            #expect(errors.withLock { $0.count } == 1)
        }
    }

    @Test func keepsLinesWholeUnderConcurrentWriters() async throws {
        try await withScratchDirectory { directory in
            let log = try RotatingLogFile(directory: directory, name: "app", maxBytes: 4096, keep: 100)
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for index in 0..<250 { log.write(Array("writer \(writer) line \(String(format: "%03d", index))\n".utf8)) }
                    }
                }
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            let lines = try files.flatMap { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8).split(separator: "\n") }
            #expect(lines.count == 1000)
            #expect(Set(lines).count == 1000)
            #expect(lines.allSatisfy { $0.hasPrefix("writer ") && $0.count == 17 })
        }
    }

    @Test func refusesInvalidSettings() {
        #expect(throws: LogFileError.self) { try RotatingLogFile(directory: "/tmp", name: "a/b", maxBytes: 10, keep: 1) }
        #expect(throws: LogFileError.self) { try RotatingLogFile(directory: "/tmp", name: "app", maxBytes: 0, keep: 1) }
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}
