import BulwarkConfig
import BulwarkSupervisor
import Foundation
import Testing

/// The supervisor with real processes (the python test app) behind a real gateway, as `bulwark run`
/// runs them: start, kill -9 and rolling restarts under load, crash loops, memory restarts, output
/// files, a port held by another process, and a graceful stop.
@Suite(.enabled(if: SupervisorHarness.canRun, "python3 is not installed"), .timeLimit(.minutes(1)))
struct SupervisionTests {
    @Test func threeInstancesStartOnTheirPortsAndReceiveTraffic() async throws {
        try await SupervisorHarness.with(instances: 3) { harness async throws in
            #expect(try await eventually { harness.ready.count == 3 })
            #expect(Set(harness.ready.map(\.instance.port)) == Set(harness.portBase..<harness.portBase + 3))
            var ports = Set<String>()
            for _ in 0..<30 {
                let reply = try await harness.get("/")
                #expect(reply.status == 200)
                ports.insert(String(reply.body.split(separator: " ")[1]))
            }
            #expect(ports == Set((harness.portBase..<harness.portBase + 3).map(String.init)))
            #expect(harness.members.allSatisfy { $0.instance.pid != nil && $0.instance.restarts == 0 })
        }
    }

    @Test func killingAnInstanceWithSIGKILLUnderLoadLosesNoRequest() async throws {
        try await SupervisorHarness.with(instances: 3, extra: "    restart: { backoff: 100ms..1s }") { harness async throws in
            #expect(try await eventually { harness.ready.count == 3 })
            let victim = try #require(harness.ready.first?.instance)
            let statuses = try await harness.load(requests: 300) { () async throws in
                try await Task.sleep(for: .milliseconds(100))
                kill(try #require(victim.pid), SIGKILL)
                #expect(try await eventually { harness.ready.count == 3 && !harness.ready.contains { $0.instance.id == victim.id } })
            }
            #expect(statuses.count >= 300)
            #expect(statuses.allSatisfy { $0 == 200 }, "statuses other than 200: \(statuses.filter { $0 != 200 })")
            let replacement = try #require(harness.members.first { $0.instance.id.slot == victim.id.slot }?.instance)
            #expect(replacement.restarts == 1)
            #expect(replacement.lastExit == .signal(SIGKILL))
            #expect(replacement.port == victim.port)
        }
    }

    @Test func aRollingRestartUnderLoadLosesNoRequestAndMovesEveryInstance() async throws {
        try await SupervisorHarness.with(instances: 2) { harness async throws in
            #expect(try await eventually { harness.ready.count == 2 })
            let before = Set(harness.ready.map(\.instance.id))
            let statuses = try await harness.load(requests: 300) { () async throws in
                #expect(harness.supervisor.restart(group: "app"))
                #expect(try await eventually {
                    let ready = harness.ready
                    return ready.count == 2 && before.isDisjoint(with: ready.map(\.instance.id)) && harness.members.count == 2
                })
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "statuses other than 200: \(statuses.filter { $0 != 200 })")
            #expect(Set(harness.ready.map(\.instance.port)) == Set([harness.portBase + 2, harness.portBase + 3]))
            #expect(harness.supervisor.restart(group: "nope") == false)
        }
    }

    @Test func aCrashLoopStopsAfterTheLimitAndGivesTheSlotUp() async throws {
        let extra = "    restart: { backoff: 10ms..20ms, max_restarts: 2, window: 1m }"
        try await SupervisorHarness.with(instances: 1, extra: extra, env: ["CRASH_AT_START": "1"]) { harness async throws in
            #expect(try await eventually { harness.supervisor.status().first?.givenUpSlots == [0] })
            let given = try #require(harness.members.first?.instance)
            #expect(given.state == .givenUp)
            #expect(given.restarts == 2)   // the first start failed, then both restarts allowed; the third failure gives up
            #expect(given.lastExit == .code(1))
            // Nothing starts again by itself.
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.members.first?.instance.id == given.id)
            #expect(try await harness.get("/").status == 503)
        }
    }

    @Test func anInstanceOverItsMemoryLimitIsReplacedGracefully() async throws {
        let extra = "    max_memory: 80MiB\n    memory_grace: 1s"
        try await SupervisorHarness.with(instances: 1, extra: extra) { harness async throws in
            #expect(try await eventually { harness.ready.count == 1 })
            let before = try #require(harness.ready.first?.instance)
            #expect(try await SupervisorHarness.getDirect(port: before.port, "/alloc?mb=120") == 200)
            #expect(try await eventually(within: .seconds(30)) {
                harness.ready.count == 1 && harness.ready.first?.instance.id != before.id
            })
            #expect(harness.supervisor.status().first?.recentMemoryRestarts == 1)
            #expect(harness.ready.first?.instance.port == before.port + 1)
            #expect(try await harness.get("/").status == 200)
            #expect(try await eventually { !processExists(before.pid) })
        }
    }

    @Test func outputGoesToJSONLinesAndRotatedFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-logs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputFile = directory.path + ".jsonl"
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        let extra = "    logs: { dir: \"\(directory.path)\", max_size: 4KiB, keep: 2 }"
        try await SupervisorHarness.with(instances: 1, extra: extra, env: ["SPAM_LINES": "300"], outputFile: outputFile) { harness async throws in
            #expect(try await eventually { harness.ready.count == 1 })
            let id = try #require(harness.ready.first?.instance.id)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(names == ["app.0.log", "app.0.log.1", "app.0.log.2"])
            for name in names {
                let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
                #expect((attributes[.size] as? Int ?? .max) <= 4096)
                #expect((attributes[.posixPermissions] as? Int) == 0o600)
            }
            let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
            #expect(directoryMode == 0o700)
            let current = try String(contentsOf: directory.appendingPathComponent("app.0.log"), encoding: .utf8)
            #expect(current.contains("listening on \(harness.portBase)"))
            #expect(try await eventually {
                let lines = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
                return lines.split(separator: "\n").contains { line in
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return false }
                    return object["instance"] as? String == id.description && object["line"] as? String == "listening on \(harness.portBase)"
                        && object["type"] as? String == "process_output"
                }
            })
        }
    }

    @Test func aPortHeldByAnotherProcessIsNamedAndRetried() async throws {
        let holder = try PythonHolder.listeningOnAFreePort()
        var holding = true
        defer { if holding { holder.stop() } }
        let port = try #require(holder.port)
        let extra = "    restart: { backoff: 50ms..100ms, max_restarts: 100 }"
        // The group's first port is the holder's: the instance cannot start there, and says who holds it.
        try await SupervisorHarness.with(instances: 1, portBase: port, extra: extra) { harness async throws in
            #expect(try await eventually {
                harness.members.first?.instance.lastReason?.contains("port \(port) is in use by pid \(holder.child.pid) (python3)") == true
            })
            holder.stop()
            holding = false
            #expect(try await eventually { harness.ready.count == 1 })
        }
    }

    @Test func aReloadRollsAChangedGroupGrowsItAndStopsARemovedOne() async throws {
        try await SupervisorHarness.with(instances: 1) { harness async throws in
            #expect(try await eventually { harness.ready.count == 1 })
            var settings = harness.settings
            let first = try #require(harness.ready.first?.instance)
            // A new environment rolls the instance.
            settings.environment["RELEASE"] = "2"
            harness.supervisor.reconfigure([settings])
            #expect(try await eventually { harness.ready.count == 1 && harness.ready.first?.instance.id != first.id })
            #expect(try await eventually { !processExists(first.pid) })
            // A second instance starts.
            settings.instances = 2
            harness.supervisor.reconfigure([settings])
            #expect(try await eventually { harness.ready.count == 2 })
            #expect(try await harness.get("/").status == 200)
            // A removed group stops and goes away.
            let pids = harness.ready.compactMap(\.instance.pid)
            harness.supervisor.reconfigure([])
            #expect(try await eventually { harness.supervisor.status().isEmpty })
            #expect(try await eventually { pids.allSatisfy { !processExists($0) } })
            #expect(harness.supervisor.restart(group: "app") == false)
        }
    }

    @Test func aGracefulStopEndsEveryInstance() async throws {
        var pids: [Int32] = []
        try await SupervisorHarness.with(instances: 2) { harness async throws in
            #expect(try await eventually { harness.ready.count == 2 })
            pids = harness.ready.compactMap(\.instance.pid)
        }
        #expect(pids.count == 2)
        #expect(try await eventually { pids.allSatisfy { !processExists($0) } })
    }
}

/// Whether a process with `pid` is alive (not a zombie).
func processExists(_ pid: Int32?) -> Bool {
    guard let pid, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].hasPrefix(" Z")
}
