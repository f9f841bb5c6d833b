import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import BulwarkTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
import X509

#if canImport(Glibc)
import Glibc
#endif

// Helpers for the HTTPS listener tests: certificate files made by the demo CA, Debian's curl and openssl
// run as child processes with a bounded wait, and a NIOSSL client for keep-alive connections and load.

/// curl and openssl, the clients the listener tests shake hands with.
enum TLSClientTools {
    static let curl = "/usr/bin/curl"
    static let openssl = "/usr/bin/openssl"

    /// Whether the tests that run them run: both are installed, or CI must fail without them.
    static let shouldRun: Bool = {
        let installed = FileManager.default.isExecutableFile(atPath: curl) && FileManager.default.isExecutableFile(atPath: openssl)
        if !installed && !RedisServer.isCI {
            FileHandle.standardError.write(Data("\n⚠️  SKIPPING HTTPS listener tests: curl or openssl is not installed (apt-get install curl openssl). Under CI=true this fails.\n\n".utf8))
        }
        return installed || RedisServer.isCI
    }()

    /// `curl -i` against `url`: the exit status, and the response when there is one. No curlrc, no proxy,
    /// HTTP/1.1, at most 10 s.
    static func curl(_ url: String, _ arguments: [String] = []) async throws -> CurlResult {
        let run = try await ToolRun.run(curl, ["-q", "-sS", "--noproxy", "*", "--http1.1", "--max-time", "10", "-i"] + arguments + [url])
        let response = run.status == 0 ? try? RawHTTP.parse(Array(run.output.utf8)) : nil
        return CurlResult(status: run.status, response: response, output: run.output, errors: run.errors)
    }

    /// The subject (`CN = api.example.com`, as openssl prints it) of the certificate the server on `port`
    /// presents for SNI `serverName` (none when nil), verified against `caFile`.
    static func presentedSubject(port: Int, serverName: String?, caFile: String) async throws -> String {
        let sni = serverName.map { ["-servername", $0] } ?? ["-noservername"]
        let run = try await ToolRun.run(openssl, ["s_client", "-connect", "127.0.0.1:\(port)"] + sni + ["-CAfile", caFile, "-verify_return_error"])
        guard run.status == 0 else { throw TestFailure("openssl s_client failed (\(run.status)): \(run.errors)") }
        guard let line = run.output.split(separator: "\n").first(where: { $0.hasPrefix("subject=") }) else {
            throw TestFailure("openssl s_client printed no subject: \(run.output)")
        }
        return String(line.dropFirst("subject=".count))
    }
}

/// What curl did.
struct CurlResult: Sendable {
    /// curl's exit status: 0, or e.g. 35 (handshake failed), 56 (receive failed), 60 (certificate not trusted).
    var status: Int32
    /// The first response (`-i`: its head and body), when curl succeeded.
    var response: RawResponse?
    /// Everything curl printed (with `-L`, every response head).
    var output: String
    var errors: String
}

/// A child process run to completion with its output in files (no pipe can fill up), killed if it has
/// not exited within the limit.
struct ToolRun: Sendable {
    var status: Int32
    var output: String
    var errors: String

    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20)) async throws -> ToolRun {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-tool-\(UUID().uuidString)").path
        let outputPath = base + ".out", errorPath = base + ".err"
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let errors = open(errorPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(output)
            close(errors)
            close(null)
            unlink(outputPath)
            unlink(errorPath)
        }
        var environment = ProcessInfo.processInfo.environment
        for name in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "SSLKEYLOGFILE"] { environment[name] = nil }
        let child = try ChildProcess.spawn(executable, arguments, environment: environment, stdin: null, stdout: output, stderr: errors)
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let reaped = waitpid(child.pid, &status, WNOHANG)
            if reaped == child.pid { break }
            if reaped == -1, errno != EINTR { throw TestFailure("waitpid failed for \(executable): \(errno)") }
            if ContinuousClock.now >= deadline {
                kill(child.pid, SIGKILL)
                _ = child.wait()
                throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let signal = status & 0x7f
        let exit = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return ToolRun(
            status: exit,
            output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        )
    }
}

/// A private directory of certificate files issued by one test CA (`ca.pem`), removed at the end.
struct TLSFixture: Sendable {
    let directory: String
    let authority: CertificateAuthority

    /// The CA certificate clients trust.
    var caPath: String { path("ca.pem") }

    init(authority: CertificateAuthority? = nil) throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-tls-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw TestFailure("mkdtemp failed: \(errno)") }
        directory = String(cString: made)
        self.authority = try authority ?? CertificateAuthority.make(commonName: "Bulwark Listener Test CA")
        try self.authority.write(certificate: caPath)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Issues a server certificate for `hosts` and writes it as `NAME.pem` (with its chain) and `NAME.key`.
    @discardableResult
    func server(_ name: String, hosts: [String] = ["localhost", "127.0.0.1"], key: CertificateKeyAlgorithm = .ecdsaP256, by issuer: CertificateAuthority? = nil) throws -> IssuedCertificate {
        let issued = try (issuer ?? authority).issueServer(hosts: hosts, key: key)
        try issued.write(certificate: path("\(name).pem"), key: path("\(name).key"))
        return issued
    }

    /// Issues a client certificate and writes it as `NAME.pem` and `NAME.key`.
    @discardableResult
    func client(_ name: String, commonName: String, organization: String? = nil, by issuer: CertificateAuthority? = nil) throws -> IssuedCertificate {
        let issued = try (issuer ?? authority).issueClient(commonName: commonName, organization: organization)
        try issued.write(certificate: path("\(name).pem"), key: path("\(name).key"))
        return issued
    }

    /// YAML for `server.tls` (indented under `server:`) serving `names` in order (`NAME.pem`, `NAME.key`),
    /// the second onwards with the given `hosts`, plus `extra` lines under `tls:`.
    func tlsYAML(_ names: [String], hosts: [[String]] = [], extra: [String] = []) -> String {
        var lines = ["  tls:", "    certificates:"]
        for (index, name) in names.enumerated() {
            let entryHosts = index < hosts.count && !hosts[index].isEmpty ? ", hosts: [\(hosts[index].joined(separator: ", "))]" : ""
            lines.append("      - { cert: \"\(path("\(name).pem"))\", key: \"\(path("\(name).key"))\"\(entryHosts) }")
        }
        lines += extra.map { "    " + $0 }
        return lines.joined(separator: "\n")
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A gateway configuration: `server:` with `serverLines` (already indented), and one upstream `app` at
/// `PORT0` behind route `/`.
func tlsGatewayYAML(_ serverLines: String) -> String {
    """
    server:
    \(serverLines)
    upstreams:
      app:
        targets: ["http://127.0.0.1:PORT0"]
    routes:
      - path_prefix: /
        upstream: app
    """
}

/// Runs a gateway for `yaml` (`PORT0` is `upstream`'s port) on a free loopback port with `logger`, as
/// ``GatewayHarness`` does with its silent one; stops both afterwards.
func withLoggedGateway<T>(yaml: String, upstream: DemoUpstream, logger: Logger, _ body: (Gateway, Int) async throws -> T) async throws -> T {
    var configuration = try BulwarkConfiguration.parse(yaml: yaml.replacingOccurrences(of: "PORT0", with: "\(upstream.port)"))
    configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
    configuration.server.accessLog = .off
    let gateway = try Gateway(configuration: configuration, logger: logger)
    let task = Task { try await gateway.run() }
    defer { task.cancel() }
    let port = await gateway.listeningPort()
    do {
        let result = try await body(gateway, port)
        task.cancel()
        _ = await task.result
        await upstream.stop()
        return result
    } catch {
        task.cancel()
        _ = await task.result
        await upstream.stop()
        throw error
    }
}

/// One TLS connection to the gateway made with NIOSSL (BoringSSL) as the client, kept open across
/// requests; every byte read is collected.
final class TLSClientConnection: Sendable {
    private let channel: any Channel
    private let received: ByteLog
    private let consumed = Mutex(0)

    /// The leaf certificate the server presented on this connection.
    let peerSubject: String

    private init(channel: any Channel, received: ByteLog, peerSubject: String) {
        self.channel = channel
        self.received = received
        self.peerSubject = peerSubject
    }

    /// A client context trusting `caPath` (full verification), presenting a client certificate when given,
    /// offering protocol versions up to `maximumVersion` (default: the newest).
    static func context(caPath: String, certificate: String? = nil, key: String? = nil, maximumVersion: NIOSSL.TLSVersion? = nil) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.maximumTLSVersion = maximumVersion
        configuration.trustRoots = .file(caPath)
        configuration.certificateVerification = .fullVerification
        if let certificate, let key {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Connects to `127.0.0.1:port`, sends SNI `serverName` and waits for the handshake (at most 10 s).
    static func connect(port: Int, context: NIOSSLContext, serverName: String = "localhost") async throws -> TLSClientConnection {
        let received = ByteLog()
        let handshake = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(Collector(received, handshake: handshake))
                    }
                }
                .connect(host: "127.0.0.1", port: port)
                .get()
        } catch {
            handshake.fail(error)
            throw error
        }
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { handshake.fail(TestFailure("TLS handshake with 127.0.0.1:\(port) took over 10 s")) }
        do {
            try await handshake.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            try? await channel.close()
            throw error
        }
        let subject = try await channel.eventLoop.submit { () throws -> String in
            guard let peer = try channel.pipeline.syncOperations.nioSSL_peerCertificate() else { throw TestFailure("no peer certificate") }
            return try Certificate(derEncoded: peer.toDERBytes()).subject.description
        }.get()
        return TLSClientConnection(channel: channel, received: received, peerSubject: subject)
    }

    /// Sends `GET path` and waits (at most `timeout`) for one complete response.
    func get(_ path: String, headers: [(String, String)] = [], close: Bool = false, timeout: Duration = .seconds(10)) async throws -> RawResponse {
        var text = "GET \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if close { text += "Connection: close\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
        let deadline = ContinuousClock.now + timeout
        while true {
            let snapshot = received.snapshot
            let start = consumed.withLock { $0 }
            if let (response, length) = Self.complete(Array(snapshot.bytes[start...])) {
                consumed.withLock { $0 = start + length }
                return response
            }
            if snapshot.closed { throw TestFailure("connection closed before a complete response: \(String(decoding: snapshot.bytes[start...], as: UTF8.self))") }
            if ContinuousClock.now >= deadline { throw TestFailure("no complete response within \(timeout)") }
            await received.waitForChange(after: snapshot.version, until: deadline)
        }
    }

    func close() async { try? await channel.close() }

    /// One response with a Content-Length (or no body) at the start of `bytes`, and its length in bytes.
    private static func complete(_ bytes: [UInt8]) -> (RawResponse, Int)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let headLength = text.utf8.distance(from: text.startIndex, to: split.upperBound)
        guard let head = try? RawHTTP.parse(Array(text[..<split.upperBound].utf8)) else { return nil }
        let bodyLength = Int(head.header("Content-Length") ?? "0") ?? 0
        guard bytes.count >= headLength + bodyLength, let response = try? RawHTTP.parse(Array(bytes[..<(headLength + bodyLength)])) else { return nil }
        return (response, headLength + bodyLength)
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: ByteLog
        let handshake: EventLoopPromise<Void>

        init(_ received: ByteLog, handshake: EventLoopPromise<Void>) {
            self.received = received
            self.handshake = handshake
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { handshake.succeed() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }

        func channelInactive(context: ChannelHandlerContext) {
            handshake.fail(TestFailure("connection closed during the TLS handshake"))
            received.markClosed()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            handshake.fail(error)
            context.close(promise: nil)
        }
    }
}

/// Records the gateway's log lines in memory, shared by every copy of the handler, so a test can wait for
/// a line the gateway logs from a background task (the certificate file watcher).
struct TLSLogRecorder: LogHandler {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    final class Store: Sendable {
        private let lines = Mutex<[Line]>([])
        func append(_ line: Line) { lines.withLock { $0.append(line) } }
        /// The lines whose message is `message`.
        func lines(_ message: String) -> [Line] { lines.withLock { $0.filter { $0.message == message } } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    /// A logger recording `.info` and above into a new store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test.tls") { _ in TLSLogRecorder(store: store) }, store)
    }

    func log(event: LogEvent) {
        store.append(Line(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
