import BulwarkAudit
import BulwarkConfig
import BulwarkDemo
@testable import BulwarkGateway
import Crypto
import Foundation
import Logging
import Synchronization
import Testing

/// A real gateway in front of a demo upstream, auditing into a recorder whose disk the test controls:
/// a `sync` record is "on disk" only when the test says so, or never (the journal is down).
@Suite("Audit: the gateway's records", .timeLimit(.minutes(2)))
struct AuditGatewayLiveTests {
    static func yaml(_ audit: String) -> String {
        """
        upstreams:
          app: { targets: ["http://127.0.0.1:PORT0"], retry: { attempts: 1 } }
        routes:
          - { name: orders, path_prefix: /orders, upstream: app }
        audit: \(audit)
        """
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("sync: no byte of the response head reaches the client before its request record is on disk; completed has the digests")
    func syncHoldsTheHead() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "created") }
        let recorder = TestAuditRecorder(mode: .held)
        try await AuditGateway.with(yaml: Self.yaml("{ journal: /unused }"), upstream: app, recorder: recorder) { port in
            let connection = try await RawConnection(port: port)
            try await connection.send("POST /orders/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Request-ID: audit-1\r\n\r\nhello")
            #expect(try await eventually { recorder.heldCount == 1 })
            // The upstream answered; the record is not on disk: nothing goes to the client.
            try await Task.sleep(for: .milliseconds(300))
            #expect(connection.bytes.isEmpty)
            recorder.releaseHeld()
            let text = try await connection.wait { $0.hasSuffix("created") }
            #expect(text.hasPrefix("HTTP/1.1 200"))
            await connection.close()
            #expect(try await eventually { recorder.entries.count == 2 })
            let request = try #require(recorder.entries.first { $0.kind == .request })
            let completed = try #require(recorder.entries.first { $0.kind == .completed })
            #expect(request.id == completed.id)
            #expect(request.method == "POST" && request.path == "/orders/1" && request.route == "orders" && request.status == 200)
            #expect(request.requestID == "audit-1" && request.target == "127.0.0.1:\(app.port)")
            #expect(completed.requestBodySHA256 == Self.sha256("hello"))
            #expect(completed.responseBodySHA256 == Self.sha256("created"))
            #expect(completed.responseBytes == 7 && completed.outcome == "complete")
        }
    }

    @Test("async: the response is never held; the request record is written without waiting for the disk")
    func asyncNeverHolds() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "created") }
        let recorder = TestAuditRecorder(mode: .held)
        try await AuditGateway.with(yaml: Self.yaml("{ durability: async }"), upstream: app, recorder: recorder) { port in
            let response = try await RawHTTP.request("POST", "/orders", port: port, body: "x")
            #expect(response.status == 200 && response.body == "created")
            #expect(try await eventually { recorder.entries.count == 2 })
            #expect(recorder.heldCount == 0)
        }
    }

    @Test("GET is not audited; the actor header set by the app is recorded and removed; a client's never reaches the app")
    func methodsAndActor() async throws {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "ok", headers: [("X-Audit-Actor", "alice")])
        }
        let recorder = TestAuditRecorder(mode: .immediate)
        try await AuditGateway.with(yaml: Self.yaml("{ actor: { response_header: X-Audit-Actor } }"), upstream: app, recorder: recorder) { port in
            let get = try await RawHTTP.request("GET", "/orders", port: port, headers: [("X-Audit-Actor", "mallory")])
            #expect(get.status == 200 && get.header("X-Audit-Actor") == nil)
            #expect(seen.request?.header("X-Audit-Actor") == nil)
            #expect(seen.request?.header("X_Audit_Actor") == nil)
            let post = try await RawHTTP.request("POST", "/orders", port: port, headers: [("X_Audit_Actor", "mallory")], body: "{}")
            #expect(post.status == 200 && post.header("X-Audit-Actor") == nil)
            #expect(seen.request?.header("X-Audit-Actor") == nil && seen.request?.header("X_Audit_Actor") == nil)
            #expect(try await eventually { recorder.entries.count == 2 })
            let allAlicePOSTs = recorder.entries.allSatisfy { $0.method == "POST" && $0.actor == "alice" }
            #expect(allAlicePOSTs)
        }
    }

    @Test("capture_body keeps the body with the redact fields masked")
    func captureAndRedaction() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let recorder = TestAuditRecorder(mode: .immediate)
        try await AuditGateway.with(yaml: Self.yaml("{ capture_body: 1KiB, redact: [password] }"), upstream: app, recorder: recorder) { port in
            let body = #"{"user":"ann","nested":{"Password":"hunter2"}}"#
            let response = try await RawHTTP.request("POST", "/orders", port: port, headers: [("Content-Type", "application/json")], body: body)
            #expect(response.status == 200)
            #expect(try await eventually { recorder.entries.count == 2 })
            let captured = try #require(recorder.entries.first { $0.kind == .completed }?.requestBody)
            #expect(captured.contains("[REDACTED]") && captured.contains("ann") && !captured.contains("hunter2"))
        }
    }

    @Test("a record that cannot be written: 503 under on_failure: reject, the response under pass")
    func failingRecorder() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let failing = TestAuditRecorder(mode: .failing)
        try await AuditGateway.with(yaml: Self.yaml("{ on_failure: reject }"), upstream: app, recorder: failing) { port in
            let response = try await RawHTTP.request("POST", "/orders", port: port, body: "x")
            #expect(response.status == 503)
            #expect(response.body.contains("the audit journal is unavailable"))
            // Known to be down: the next one is refused before it reaches the app.
            failing.available = false
            let before = app.requestCount
            #expect(try await RawHTTP.request("POST", "/orders", port: port, body: "x").status == 503)
            #expect(app.requestCount == before)
        }
        let passing = TestAuditRecorder(mode: .failing)
        passing.available = false
        try await AuditGateway.with(yaml: Self.yaml("{ on_failure: pass }"), upstream: app, recorder: passing) { port in
            let response = try await RawHTTP.request("POST", "/orders", port: port, body: "x")
            #expect(response.status == 200 && response.body == "ok")
        }
    }
}

/// Runs a real gateway for `yaml` in front of `upstream` (`PORT0`), recording into `recorder`.
enum AuditGateway {
    static func with(yaml: String, upstream: DemoUpstream, recorder: any AuditRecording, _ body: (Int) async throws -> Void) async throws {
        var configuration = try BulwarkConfiguration.parse(yaml: yaml.replacingOccurrences(of: "PORT0", with: "\(upstream.port)"))
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .off
        var logger = Logger(label: "test.audit")
        logger.logLevel = .critical
        let gateway = try Gateway(configuration: configuration, logger: logger, audit: recorder)
        let task = Task { try await gateway.run() }
        let port = await gateway.listeningPort()
        do {
            try await body(port)
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }
}

/// An ``AuditRecording`` whose "disk" the test controls: records complete at once, are held until
/// ``releaseHeld()`` (those that wait for the disk), or always fail.
final class TestAuditRecorder: AuditRecording, @unchecked Sendable {
    enum Mode { case immediate, held, failing }
    private struct State {
        var entries: [AuditEntry] = []
        var held: [@Sendable (Result<Void, AuditUnavailable>) -> Void] = []
        var available = true
    }
    private let state = Mutex(State())
    let mode: Mode

    init(mode: Mode) { self.mode = mode }

    func append(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<Void, AuditUnavailable>) -> Void)?) {
        if mode == .failing {
            completion?(.failure(AuditUnavailable("write failed: No space left on device")))
            return
        }
        state.withLock { $0.entries.append(entry) }
        if mode == .held, waitForDisk, let completion {
            state.withLock { $0.held.append(completion) }
        } else {
            completion?(.success(()))
        }
    }

    var isAvailable: Bool { state.withLock { $0.available } }
    var available: Bool {
        get { isAvailable }
        set { state.withLock { $0.available = newValue } }
    }
    var entries: [AuditEntry] { state.withLock { $0.entries } }
    var heldCount: Int { state.withLock { $0.held.count } }

    func releaseHeld() {
        let held = state.withLock { state in
            defer { state.held = [] }
            return state.held
        }
        for completion in held { completion(.success(())) }
    }
}
