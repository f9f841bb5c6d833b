@testable import BulwarkSupervisor
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1))) struct ProcessTreeSampleTests {
    @Test(.enabled(if: TestChild.hasPython3, "needs python3"))
    func sumsTheResidentMemoryOfEveryProcessInTheGroup() async throws {
        let script = """
            import os, sys, time
            b = bytearray(50 * 1024 * 1024)
            b[::4096] = b"x" * len(range(0, len(b), 4096))
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            print("ready", flush=True)
            time.sleep(30)
            """
        try await TestChild.with(["python3", "-c", script]) { child in
            #expect(await child.waitForLine { $0 == "ready" })
            let sample = ProcessTreeSample.read(processGroup: child.pid)
            #expect(sample.processes == 2)
            // Both processes map the 50 MiB (shared after the fork, counted in each RSS).
            #expect(sample.residentBytes >= 100 * 1024 * 1024)
            #expect(sample.cpuSeconds >= 0)
        }
    }

    @Test func anEmptyGroupSamplesAsNothing() {
        #expect(ProcessTreeSample.read(processGroup: 0) == ProcessTreeSample(residentBytes: 0, cpuSeconds: 0, processes: 0))
        #expect(ProcessTreeSample.read(processGroup: Int32.max).processes == 0)
    }

    @Test func parsesAStatLineWhoseCommandHasSpacesAndParentheses() {
        let line = "4242 (my (odd) app) S 1 4240 4240 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 3 0 12345 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
        let stat = ProcessStat(parsing: line)
        #expect(stat?.processGroup == 4240)
        #expect(stat?.cpuTicks == 300)
        #expect(stat?.residentPages == 2048)
        #expect(stat?.hasEnded == false)
        #expect(ProcessStat(parsing: "4242 (x) Z 1 4240 4240 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 0")?.hasEnded == true)
        #expect(ProcessStat(parsing: "4242 (x) S 1 4240") == nil)
        #expect(ProcessStat(parsing: "garbage") == nil)
    }

    @Test func readsThisProcess() throws {
        let line = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let stat = try #require(ProcessStat(parsing: line))
        #expect(stat.processGroup == getpgrp())
        #expect(stat.residentPages > 0)
    }
}
