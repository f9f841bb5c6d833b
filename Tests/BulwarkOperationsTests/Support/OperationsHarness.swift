import AsyncHTTPClient
import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import BulwarkOperations
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A real gateway and its admin listener on free loopback ports, in front of real demo upstreams.
struct OperationsHarness {
    let gateway: Gateway
    let admin: AdminService
    let port: Int
    let adminPort: Int

    /// Starts both for `yaml` (`PORTn` is replaced by upstream n's port), runs `body`, stops everything.
    static func with<T>(
        yaml: String,
        upstreams: [DemoUpstream] = [],
        environment: [String: String] = [:],
        _ body: (OperationsHarness) async throws -> T
    ) async throws -> T {
        var text = yaml
        for (index, upstream) in upstreams.enumerated().reversed() {
            text = text.replacingOccurrences(of: "PORT\(index)", with: "\(upstream.port)")
        }
        var configuration = try BulwarkConfiguration.parse(yaml: text)
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.admin.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .off
        var logger = Logger(label: "test.operations")
        logger.logLevel = .critical
        let exporter = PrometheusExporter()
        let gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: exporter.factory)
        let admin = try AdminService(
            gateway: gateway, exporter: exporter, version: "test", configurationText: text, configurationPath: nil,
            environment: environment, logger: logger
        )
        let gatewayTask = Task { try await gateway.run() }
        let adminTask = Task { try await admin.run() }
        let checkTasks = admin.checkServices().map { service in Task { try await service.run() } }
        let harness = OperationsHarness(gateway: gateway, admin: admin, port: await gateway.listeningPort(), adminPort: await admin.listeningPort())
        func stop() async {
            gatewayTask.cancel()
            adminTask.cancel()
            for task in checkTasks { task.cancel() }
            _ = await gatewayTask.result
            for task in checkTasks { _ = await task.result }
            _ = await adminTask.result
            for upstream in upstreams { await upstream.stop() }
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

    /// A request to the admin listener, sent as the dashboard sends it: with `X-Bulwark-Admin: 1` and
    /// the token when given, plus `headers` (a `Host` among them replaces the default one).
    func admin(_ method: HTTPMethod = .GET, _ path: String, token: String? = nil, intent: Bool = true, headers: [(String, String)] = [], body: String? = nil) async throws -> HTTPReply {
        var fields = headers
        if intent { fields.append(("X-Bulwark-Admin", "1")) }
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        return try await HTTPReply.fetch(method, "http://127.0.0.1:\(adminPort)\(path)", headers: fields, body: body)
    }

    /// A request through the gateway.
    func proxy(_ path: String) async throws -> HTTPReply {
        try await HTTPReply.fetch(.GET, "http://127.0.0.1:\(port)\(path)")
    }

    /// The admin endpoint's JSON body as a dictionary.
    func json(_ path: String, token: String? = nil) async throws -> [String: Any] {
        try await admin(.GET, path, token: token).object()
    }
}

/// A whole HTTP response.
struct HTTPReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    static func fetch(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        return HTTPReply(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw TestError("not a JSON object: \(body.prefix(200))")
        }
        return object
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Bodies a webhook receiver got.
final class Inbox: Sendable {
    private let bodies = Mutex<[String]>([])
    func add(_ body: String) { bodies.withLock { $0.append(body) } }
    var all: [String] { bodies.withLock { $0 } }

    /// Parsed payloads.
    var payloads: [[String: Any]] {
        all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// Polls `condition` every 20 ms for up to `limit`: a bounded wait for background work.
func eventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Whether `CI=true`: then missing tools are failures, not skips.
var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

/// The path of `tool` on PATH, or nil.
func which(_ tool: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(directory)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a program with `input` on stdin; returns exit status and combined output. Bounded by `limit`.
func run(_ path: String, _ arguments: [String], input: String = "", limit: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdin = Pipe()
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-run-\(UUID().uuidString).txt")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    process.standardInput = stdin
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let deadline = ContinuousClock.now + limit
    while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    try handle.close()
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: output)
    return (process.terminationStatus, text)
}
