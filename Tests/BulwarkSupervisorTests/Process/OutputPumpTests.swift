@testable import BulwarkSupervisor
import Foundation
import Testing

@Suite(.timeLimit(.minutes(1))) struct OutputPumpTests {
    @Test(.enabled(if: TestChild.hasPython3, "needs python3"))
    func joinsALineWrittenInPieces() async throws {
        let script = "import sys, time\nsys.stdout.write('ab'); sys.stdout.flush(); time.sleep(0.05)\nsys.stdout.write('c\\n'); sys.stdout.flush()"
        try await TestChild.with(["python3", "-c", script]) { child in
            #expect(await child.output.value == ["abc"])
            #expect(await child.exit.value == .code(0))
        }
    }

    @Test(.enabled(if: TestChild.hasPython3, "needs python3"))
    func truncatesAVeryLongLineButLogsItWhole() async throws {
        try await withScratchDirectory { directory in
            let log = try RotatingLogFile(directory: directory, name: "app", maxBytes: 1 << 20, keep: 1)
            let script = "import sys\nsys.stdout.write('x' * 200 * 1024 + '\\n'); sys.stdout.write('after\\n')"
            try await TestChild.with(["python3", "-c", script], logFile: log) { child in
                let lines = await child.output.value
                #expect(lines.count == 2)
                #expect(lines.first == String(repeating: "x", count: 64 * 1024) + "… [line truncated, \(136 * 1024) bytes dropped]")
                #expect(lines.last == "after")
            }
            let logged = try Data(contentsOf: URL(fileURLWithPath: log.path))
            #expect(logged == Data((String(repeating: "x", count: 200 * 1024) + "\nafter\n").utf8))
        }
    }

    @Test func handsOverALastLineWithoutNewline() async throws {
        try await TestChild.with(["printf", "one\\n\\ntwo"]) { child in
            #expect(await child.output.value == ["one", "", "two"])
        }
    }

    @Test func splitsChunksIntoLines() {
        var splitter = LineSplitter(maxLineBytes: 100)
        var lines: [String] = []
        splitter.append(Array("a\r\nb".utf8)) { lines.append($0) }
        splitter.append(Array("c\nd".utf8)) { lines.append($0) }
        #expect(lines == ["a", "bc"])
        splitter.finish { lines.append($0) }
        #expect(lines == ["a", "bc", "d"])
    }

    @Test func cutsALongLineAtACharacterBoundary() {
        var splitter = LineSplitter(maxLineBytes: 5)
        var lines: [String] = []
        // "€" is 3 bytes: the cut at 5 falls inside the second one, which is dropped whole.
        splitter.append(Array("a€€".utf8)) { lines.append($0) }
        splitter.append(Array("bc\nok\n".utf8)) { lines.append($0) }
        #expect(lines == ["a€… [line truncated, 5 bytes dropped]", "ok"])
    }
}
