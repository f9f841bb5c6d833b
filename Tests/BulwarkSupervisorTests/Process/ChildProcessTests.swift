@testable import BulwarkSupervisor
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1))) struct ChildProcessTests {
    @Test func mergesStandardOutputAndErrorAndReportsTheExitCode() async throws {
        try await TestChild.with(["sh", "-c", "echo hi; echo err >&2; exit 3"]) { child in
            #expect(await child.exit.value == .code(3))
            #expect(await child.output.value == ["hi", "err"])
        }
    }

    @Test func passesExactlyTheGivenEnvironment() async throws {
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "BULWARK_TEST_VALUE": "hello world"]
        try await TestChild.with(["env"], environment: environment) { child in
            #expect(await child.exit.value == .code(0))
            #expect(Set(await child.output.value) == ["PATH=\(environment["PATH"]!)", "BULWARK_TEST_VALUE=hello world"])
        }
    }

    @Test func startsInTheWorkingDirectoryAndFindsARelativeProgramThere() async throws {
        try await withScratchDirectory { directory in
            let script = directory + "/hello.sh"
            try "#!/bin/sh\necho \"in $(pwd)\"\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            try await TestChild.with(["./hello.sh"], workingDirectory: directory) { child in
                #expect(await child.exit.value == .code(0))
                #expect(await child.output.value == ["in \(directory)"])
            }
        }
    }

    @Test func looksTheProgramUpOnTheChildsOwnPath() async throws {
        try await withScratchDirectory { directory in
            let script = directory + "/bulwark-test-hello"
            try "#!/bin/sh\necho hello from PATH\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            try await TestChild.with(["bulwark-test-hello"], environment: ["PATH": "/nonexistent:\(directory)"]) { child in
                #expect(await child.exit.value == .code(0))
                #expect(await child.output.value == ["hello from PATH"])
            }
            chmod(script, 0o644)
            let error = #expect(throws: ProcessLaunchError.self) {
                try ChildProcess.launch(command: ["bulwark-test-hello"], environment: ["PATH": directory], workingDirectory: nil)
            }
            #expect(error?.code == .notExecutable)
        }
    }

    @Test func readsStandardInputFromDevNullAndInheritsNoOtherDescriptor() async throws {
        try await TestChild.with(["sh", "-c", "cat; echo done; ls /proc/self/fd"]) { child in
            #expect(await child.exit.value == .code(0))
            // `ls` itself holds 3 (its directory); 0, 1, 2 are ours.
            #expect(await child.output.value == ["done", "0", "1", "2", "3"])
        }
    }

    @Test func startsWithNoSignalBlockedOrIgnored() async throws {
        // Whatever this test process blocks or ignores (SIGPIPE, typically), the child starts clean. glibc's
        // posix_spawn itself leaves its two internal signals (32, 33) ignored: only 1–31 are checked.
        try await TestChild.with(["sleep", "30"]) { child in
            let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
            for field in ["SigBlk:", "SigIgn:"] {
                let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(field) })
                let mask = try #require(UInt64(line.dropFirst(field.count).trimmingCharacters(in: .whitespaces), radix: 16))
                #expect(mask & 0x7fff_ffff == 0, "\(line)")
            }
        }
    }

    @Test func aMissingExecutableIsAnErrorNamingIt() throws {
        let error = #expect(throws: ProcessLaunchError.self) {
            try ChildProcess.launch(command: ["nodee"], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: nil)
        }
        #expect(error?.code == .noSuchExecutable)
        #expect(error?.description.hasPrefix("no such executable: nodee") == true)

        let absolute = #expect(throws: ProcessLaunchError.self) {
            try ChildProcess.launch(command: ["/nonexistent/nodee"], environment: [:], workingDirectory: nil)
        }
        #expect(absolute?.description == "no such executable: /nonexistent/nodee")
    }

    @Test func aMissingWorkingDirectoryOrAnEmptyCommandIsAnError() throws {
        let directory = #expect(throws: ProcessLaunchError.self) {
            try ChildProcess.launch(command: ["/bin/true"], environment: [:], workingDirectory: "/nonexistent/bulwark")
        }
        #expect(directory?.code == .noSuchDirectory)
        let empty = #expect(throws: ProcessLaunchError.self) {
            try ChildProcess.launch(command: [], environment: [:], workingDirectory: nil)
        }
        #expect(empty?.code == .invalidCommand)
    }

    @Test func theChildLeadsAProcessGroupOfItsOwn() async throws {
        try await TestChild.with(["sleep", "30"]) { child in
            let line = try String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8)
            #expect(ProcessStat(parsing: line)?.processGroup == child.pid)
            #expect(getpgrp() != child.pid)
        }
    }

    @Test func signallingTheGroupEndsTheGrandchildrenToo() async throws {
        try await TestChild.with(["sh", "-c", "sleep 30 & echo started; sleep 30"]) { child in
            #expect(await child.waitForLine { $0 == "started" })
            #expect(await pollUntil { ProcessTreeSample.read(processGroup: child.pid).processes >= 2 })
            #expect(ChildProcess.signalGroup(child.pid, SIGTERM))
            #expect(await child.exit.value == .signal(SIGTERM))
            #expect(await pollUntil { ProcessTreeSample.read(processGroup: child.pid).processes == 0 })
            // The pipe's last writer is gone: the output ends by itself.
            #expect(await child.output.value == ["started"])
        }
    }

    @Test func signallingAGroupThatIsGoneIsNotAnError() async throws {
        try await TestChild.with(["true"]) { child in
            #expect(await child.exit.value == .code(0))
            #expect(!ChildProcess.signalGroup(child.pid, SIGTERM))
        }
        #expect(!ChildProcess.signalGroup(0, SIGTERM))
        #expect(!ChildProcess.signalGroup(1, SIGTERM))
    }

    @Test func anExitBySignalIsReportedAsTheSignal() async throws {
        try await TestChild.with(["sh", "-c", "kill -9 $$"]) { child in
            #expect(await child.exit.value == .signal(9))
        }
    }
}
