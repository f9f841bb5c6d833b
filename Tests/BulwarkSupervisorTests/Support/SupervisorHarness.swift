import AsyncHTTPClient
import BulwarkConfig
import BulwarkGateway
import BulwarkSupervisor
import BulwarkTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A real gateway and a real ``ProcessSupervisor`` running the python test app, in one
/// `ServiceGroup` as `bulwark run` runs them, on free loopback ports; stopped gracefully at the end.
struct SupervisorHarness {
    let gateway: Gateway
    let supervisor: ProcessSupervisor
    let port: Int
    let portBase: Int
    /// The group's settings as configured.
    let settings: ProcessGroupSettings

    /// Whether the test app can run.
    static let canRun = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") || ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs `body` with a group `app` of `instances` instances; `extra` is more YAML under `processes.app`
    /// (indented by four spaces), `env` its environment.
    static func with<T>(
        instances: Int, portBase: Int? = nil, extra: String = "", env: [String: String] = [:], outputFile: String = "/dev/null",
        _ body: (SupervisorHarness) async throws -> T
    ) async throws -> T {
        let portBase = try portBase ?? freePortRange(count: 2 * instances)
        let environment = env.isEmpty ? "" : "\n    env: { " + env.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ") + " }"
        let yaml = """
        server: { listen: "127.0.0.1:0", access_log: off }
        processes:
          app:
            command: [python3, "\(TestApp.path)"]
            instances: \(instances)
            port_base: \(portBase)
            stop: { timeout: 5s }\(environment)
        \(extra)
        routes: [ { path_prefix: /, upstream: app } ]
        """
        let configuration = try BulwarkConfiguration.parse(yaml: yaml)
        var logger = Logger(label: "test.supervisor")
        logger.logLevel = .critical
        let gateway = try Gateway(configuration: configuration, logger: logger)
        let output = InstanceOutputLog(handle: FileHandle(forWritingAtPath: outputFile) ?? .nullDevice)
        let supervisor = ProcessSupervisor(groups: configuration.processes, pool: GatewayTargetPool(gateway: gateway), logger: logger, output: output)
        let group = ServiceGroup(configuration: .init(services: [.init(service: supervisor), .init(service: gateway)], logger: logger))
        let running = Task { try await group.run() }
        let harness = SupervisorHarness(
            gateway: gateway, supervisor: supervisor, port: await gateway.listeningPort(), portBase: portBase, settings: configuration.processes[0]
        )
        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await running.result
        }
        do {
            let result = try await body(harness)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// `count` consecutive free loopback ports.
    static func freePortRange(count: Int) throws -> Int {
        for _ in 0..<200 {
            let base = Int.random(in: 20_000...60_000)
            if (base..<base + count).allSatisfy({ PortAvailability.check(port: $0) == .free }) { return base }
        }
        throw TestFailure("no \(count) consecutive free ports found")
    }

    /// The members of `app` now.
    var members: [ProcessGroupStatus.Member] { supervisor.status().first?.members ?? [] }

    /// The ready members of `app` now.
    var ready: [ProcessGroupStatus.Member] { members.filter { $0.instance.state == .ready } }

    /// `GET path` through the gateway: status and body.
    func get(_ path: String = "/") async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// `GET path` straight to an instance's port.
    static func getDirect(port: Int, _ path: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// Sends GETs through the gateway on `concurrency` connections while `during` runs, and at least
    /// `requests` in all; returns every status (an error counts as 0).
    func load(requests: Int, concurrency: Int = 4, during: () async throws -> Void) async throws -> [Int] {
        let statuses = LockedList()
        let done = LockedFlag()
        let loaders = (0..<concurrency).map { _ in
            Task {
                while !done.isSet || statuses.count < requests {
                    statuses.append((try? await get("/").status) ?? 0)
                }
            }
        }
        do {
            try await during()
        } catch {
            done.set()
            for loader in loaders { loader.cancel() }
            throw error
        }
        done.set()
        for loader in loaders { await loader.value }
        return statuses.all
    }
}

/// Statuses collected by several tasks.
final class LockedList: Sendable {
    private let items = Mutex<[Int]>([])
    func append(_ value: Int) { items.withLock { $0.append(value) } }
    var all: [Int] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}

/// A flag set once.
final class LockedFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Polls `condition` every 20 ms for up to `limit`.
func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
