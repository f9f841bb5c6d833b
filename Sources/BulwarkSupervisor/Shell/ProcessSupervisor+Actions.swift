import BulwarkConfig
import Foundation
import Logging
import Synchronization

extension ProcessSupervisor {
    /// Does one action of `group`'s machine. Quick ones run here, in event order; waiting ones
    /// (readiness, draining, exit) run in tasks that send their outcome back as events.
    func perform(_ action: ProcessGroupMachine.Action, group: String) {
        switch action {
        case .spawn(let id, let port): spawn(id, port: port, group: group)
        case .watchReadiness(let id, let port): watchReadiness(id, port: port, group: group)
        case .addTarget(let port):
            do { try pool.add(port: port, toUpstream: group) } catch {
                logger.error("could not add an instance to its upstream", metadata: ["group": "\(group)", "port": "\(port)", "error": "\(error)"])
            }
        case .removeTarget(let port):
            do { try pool.remove(port: port, fromUpstream: group) } catch {
                logger.error("could not remove an instance from its upstream", metadata: ["group": "\(group)", "port": "\(port)", "error": "\(error)"])
            }
        case .stop(let id, let pid, let drainFor): stop(id, pid: pid, drainFor: drainFor, group: group)
        case .kill(let id, let pid):
            // Only while its exit has not been seen: afterwards the pid may belong to another process.
            if isLive(id, group: group) { _ = ChildProcess.signalGroup(pid, SIGKILL) }
        case .wake: break   // the ticker reads the machine's requested wake-up
        case .report(let report): telemetry.record(report, group: group)
        }
    }

    private func spawn(_ id: InstanceID, port: Int, group: String) {
        guard let settings = state.withLock({ $0.groups[group]?.machine.settings }) else { return }
        if let taken = PortAvailability.check(port: port).message(port: port, keyPath: "processes.\(group).port_base") {
            return send(group, .spawnFailed(id, reason: taken))
        }
        var environment = ProcessInfo.processInfo.environment
        // systemd talks to the supervisor, not to its instances.
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"] { environment[name] = nil }
        for (name, value) in settings.environment { environment[name] = value }
        environment["PORT"] = String(port)
        let child: LaunchedChild
        do {
            child = try ChildProcess.launch(command: settings.command, environment: environment, workingDirectory: settings.workingDirectory)
        } catch {
            return send(group, .spawnFailed(id, reason: "\(error)"))
        }
        let logFile = logFile(for: id, settings: settings)
        state.withLock { $0.groups[group]?.children[id] = ChildRuntime(pid: child.pid, port: port) }
        logger.info("instance started", metadata: ["instance": "\(id)", "pid": "\(child.pid)", "port": "\(port)"])
        send(group, .spawned(id, pid: child.pid))
        let readyPattern: ReadyLinePattern? = if case .log(let pattern) = settings.readiness { ReadyLinePattern(pattern) } else { nil }
        let readySeen = Mutex(false)
        let output = self.output
        let pump = OutputPump(logFile: logFile) { line in
            output.write(line: line, instance: id)
            if let readyPattern, readyPattern.matches(line), readySeen.withLock({ seen in defer { seen = true }; return !seen }) {
                self.send(group, .becameReady(id))
            }
        }
        Task { await pump.run(child.output) }
        Task {
            let status = await ChildProcess.waitForExit(pid: child.pid)
            // Workers it left behind would hold the port and the output pipe: end the whole group.
            _ = ChildProcess.signalGroup(child.pid, SIGKILL)
            let readiness = self.state.withLock { $0.groups[group]?.children.removeValue(forKey: id)?.readiness }
            readiness?.cancel()
            self.logger.info("instance exited", metadata: ["instance": "\(id)", "pid": "\(child.pid)", "status": "\(status)"])
            self.send(group, .exited(id, status))
        }
    }

    /// The rotating file of `id`'s slot (one per slot, kept across restarts), when `logs.dir` is set.
    private func logFile(for id: InstanceID, settings: ProcessGroupSettings) -> RotatingLogFile? {
        guard let directory = settings.logDirectory else { return nil }
        let key = "\(directory)|\(settings.logMaxBytes)|\(settings.logKeep)"
        let logger = self.logger
        return state.withLock { state -> RotatingLogFile? in
            if let open = state.groups[id.group]?.logFiles[id.slot], open.settings == key { return open.file }
            do {
                let file = try RotatingLogFile(directory: directory, name: "\(id.group).\(id.slot)", maxBytes: settings.logMaxBytes, keep: settings.logKeep) { error in
                    logger.error("cannot write an instance's log file; its output still goes to the supervisor's log", metadata: ["file": "\(error.path)", "error": "\(error.reason)"])
                }
                state.groups[id.group]?.logFiles[id.slot] = (key, file)
                return file
            } catch {
                logger.error("cannot write the instance's log file; its output goes to the supervisor's log only", metadata: ["instance": "\(id)", "error": "\(error)"])
                return nil
            }
        }
    }

    private func watchReadiness(_ id: InstanceID, port: Int, group: String) {
        guard let readiness = state.withLock({ $0.groups[group]?.machine.settings.readiness }) else { return }
        if case .log = readiness { return }   // seen in the output
        let clock = self.clock
        let task = Task {
            if await ReadinessCheck.wait(for: readiness, port: port, sleep: { try await clock.sleep(for: $0) }) {
                self.send(group, .becameReady(id))
            }
        }
        let kept = state.withLock { state -> Bool in
            guard state.groups[group]?.children[id] != nil else { return false }
            state.groups[group]?.children[id]?.readiness = task
            return true
        }
        if !kept { task.cancel() }   // it exited already
    }

    /// Whether `id`'s process has not been seen to exit.
    func isLive(_ id: InstanceID, group: String) -> Bool {
        state.withLock { $0.groups[group]?.children[id] != nil }
    }

    /// Waits until the gateway has no request in flight to the instance (at most half of `drainFor`,
    /// so the app keeps the other half of `stop.timeout` to exit before the machine's `SIGKILL`), then
    /// sends `stop.signal` to its process group.
    private func stop(_ id: InstanceID, pid: Int32, drainFor: Duration, group: String) {
        guard let settings = state.withLock({ $0.groups[group]?.machine.settings }) else { return }
        let port = state.withLock { $0.groups[group]?.children[id]?.port }
        let deadline = clock.now() + drainFor / 2
        Task {
            if let port {
                while pool.inFlight(port: port, upstream: group) > 0, clock.now() < deadline {
                    try? await clock.sleep(for: .milliseconds(20))
                }
            }
            guard isLive(id, group: group) else { return }
            logger.info("stopping instance", metadata: ["instance": "\(id)", "pid": "\(pid)", "signal": "\(settings.stopSignal.rawValue)"])
            _ = ChildProcess.signalGroup(pid, settings.stopSignal.number)
        }
    }
}
