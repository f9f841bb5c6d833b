import BulwarkDemo
import BulwarkTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import X509

/// The demo certificate factory makes files that real TLS stacks accept: NIOSSL (BoringSSL) loads and
/// serves them, and OpenSSL 3 (what curl uses on Debian) verifies them strictly.
@Suite("Certificate authority", .timeLimit(.minutes(1)))
struct CertificateAuthorityTests {
    static let openssl = "/usr/bin/openssl"
    /// Locally a missing openssl skips the tests that run it; under CI=true they run and fail.
    static let opensslRuns = FileManager.default.isExecutableFile(atPath: openssl) || RedisServer.isCI

    @Test("server certificates load in NIOSSL, match their key, name every host and are written 0600/0644",
          arguments: CertificateKeyAlgorithm.allCases, [false, true])
    func serverFiles(key: CertificateKeyAlgorithm, intermediate: Bool) throws {
        let files = try ServerFiles(key: key, intermediate: intermediate)
        defer { files.remove() }

        let chain = try NIOSSLCertificate.fromPEMFile(files.path("cert.pem"))
        #expect(chain.count == (intermediate ? 2 : 1))
        _ = try NIOSSLPrivateKey(file: files.path("key.pem"), format: .pem)
        _ = try NIOSSLPrivateKey(bytes: Array(files.server.privateKeyPEM.utf8), format: .pem)
        #expect(files.server.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(files.server.privateKeyPEM.hasSuffix("-----END PRIVATE KEY-----\n"))

        let leaf = try Certificate(pemEncoded: files.server.certificatePEM)
        let privateKey = try Certificate.PrivateKey(pemEncoded: files.server.privateKeyPEM)
        #expect(privateKey.publicKey == leaf.publicKey)
        #expect(leaf.notValidAfter == files.server.notAfter)

        let names = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("localhost")))
        let addresses = names.compactMap { name -> [UInt8]? in
            if case .ipAddress(let octets) = name { return Array(octets.bytes) }
            return nil
        }
        #expect(addresses.contains([127, 0, 0, 1]))
        #expect(addresses.contains(Array(repeating: 0, count: 15) + [1]))
        #expect(try leaf.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try leaf.extensions.keyUsage?.keyEncipherment == (key == .rsa2048))

        #expect(try files.mode("key.pem") == 0o600)
        #expect(try files.mode("cert.pem") == 0o644)
        #expect(try files.mode("ca.pem") == 0o644)
    }

    @Test("openssl verify accepts server certificates for the host names and addresses, strictly",
          .enabled(if: opensslRuns, "openssl is not installed (apt-get install openssl)"),
          arguments: CertificateKeyAlgorithm.allCases, [false, true])
    func opensslVerifiesServer(key: CertificateKeyAlgorithm, intermediate: Bool) throws {
        let files = try ServerFiles(key: key, intermediate: intermediate)
        defer { files.remove() }
        for check in [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], ["-verify_ip", "::1"]] {
            let result = try Self.run(["verify", "-x509_strict", "-purpose", "sslserver"] + check + files.verifyArguments)
            #expect(result.status == 0 && result.output.contains("leaf.pem: OK"), "\(check): \(result.output)")
        }
        let wrongName = try Self.run(["verify", "-verify_hostname", "example.com"] + files.verifyArguments)
        #expect(wrongName.status != 0)

        let text = try Self.run(["x509", "-noout", "-text", "-in", files.path("leaf.pem")]).output
        #expect(text.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("CA:FALSE"))
    }

    @Test("openssl verify accepts client certificates for client authentication",
          .enabled(if: opensslRuns, "openssl is not installed (apt-get install openssl)"),
          arguments: CertificateKeyAlgorithm.allCases)
    func opensslVerifiesClient(key: CertificateKeyAlgorithm) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ca = try CertificateAuthority.make(key: key)
        let client = try ca.issueClient(commonName: "billing-service", organization: "Example Ltd", key: key)
        try ca.write(certificate: directory + "/ca.pem")
        try client.write(certificate: directory + "/client.pem", key: directory + "/client-key.pem")

        let result = try Self.run(["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", directory + "/ca.pem", directory + "/client.pem"])
        #expect(result.status == 0 && result.output.contains("OK"), "\(result.output)")
        let subject = try Self.run(["x509", "-noout", "-subject", "-in", directory + "/client.pem"]).output
        #expect(subject.contains("O = Example Ltd, CN = billing-service"))
        let text = try Self.run(["x509", "-noout", "-text", "-in", directory + "/client.pem"]).output
        #expect(text.contains("TLS Web Client Authentication"))
        #expect(!text.contains("TLS Web Server Authentication"))
    }

    @Test("a certificate made with dates in the past is expired for openssl",
          .enabled(if: opensslRuns, "openssl is not installed (apt-get install openssl)"))
    func expired() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ca = try CertificateAuthority.make()
        let server = try ca.issueServer(hosts: ["localhost"], notBefore: Date(timeIntervalSinceNow: -172_800), notAfter: Date(timeIntervalSinceNow: -86400))
        try ca.write(certificate: directory + "/ca.pem")
        try server.write(certificate: directory + "/cert.pem", key: directory + "/key.pem")
        let result = try Self.run(["verify", "-CAfile", directory + "/ca.pem", directory + "/cert.pem"])
        #expect(result.status != 0)
        #expect(result.output.contains("certificate has expired"))
    }

    @Test("a NIOSSL client trusting only the root completes a handshake with the served chain",
          arguments: CertificateKeyAlgorithm.allCases, [false, true])
    func handshake(key: CertificateKeyAlgorithm, intermediate: Bool) async throws {
        let root = try CertificateAuthority.make(key: key)
        let issuer = intermediate ? try root.makeIntermediate(commonName: "Bulwark Test Intermediate") : root
        let server = try issuer.issueServer(hosts: ["localhost", "127.0.0.1"], key: key)

        var serverConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(server.chainPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.privateKeyPEM.utf8), format: .pem))
        )
        serverConfiguration.minimumTLSVersion = .tlsv12
        let serverContext = try NIOSSLContext(configuration: serverConfiguration)
        var clientConfiguration = TLSConfiguration.makeClientConfiguration()
        clientConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(root.certificatePEM.utf8)))
        let clientContext = try NIOSSLContext(configuration: clientConfiguration)

        let group = MultiThreadedEventLoopGroup.singleton
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    try channel.pipeline.syncOperations.addHandler(Echo())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let reply = group.next().makePromise(of: Void.self)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: clientContext, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(ReplyWatcher(promise: reply))
                }
            }
            .connect(to: try #require(listener.localAddress)).get()
        // A failed handshake fails the write too; the watcher's promise carries the handshake's error.
        client.writeAndFlush(ByteBuffer(string: "ping"), promise: nil)
        await #expect(throws: Never.self) { try await reply.futureResult.get() }
        try? await client.close()
        try? await listener.close()
    }

    @Test("defaults: 90-day leaves cut at the CA's expiry, errors for no host, a bad host or an expired CA")
    func defaultsAndErrors() throws {
        let now = Date()
        let ca = try CertificateAuthority.make(validFor: .seconds(86400 * 30), now: now)
        let server = try ca.issueServer(hosts: ["LocalHost."], now: now)
        #expect(abs(server.notAfter.timeIntervalSince(now) - 86400 * 30) < 2)
        let longLived = try CertificateAuthority.make(now: now).issueServer(hosts: ["[::1]"], now: now)
        #expect(abs(longLived.notAfter.timeIntervalSince(now) - 86400 * 90) < 2)
        let leaf = try Certificate(pemEncoded: server.certificatePEM)
        #expect(abs(leaf.notValidBefore.timeIntervalSince(now) + 3600) < 2)
        #expect(try leaf.extensions.subjectAlternativeNames?.contains(.dnsName("localhost")) == true)

        #expect(throws: CertificateFactoryError.self) { try ca.issueServer(hosts: []) }
        #expect { try ca.issueServer(hosts: ["exa mple.com"]) } throws: { ($0 as? CertificateFactoryError)?.code == .invalidHost }
        #expect { try ca.issueServer(hosts: ["münchen.de"]) } throws: { ($0 as? CertificateFactoryError)?.code == .invalidHost }
        #expect { try ca.issueClient(commonName: "") } throws: { ($0 as? CertificateFactoryError)?.code == .invalidName }
        #expect { try ca.issueServer(hosts: ["localhost"], now: now.addingTimeInterval(86400 * 31)) } throws: {
            ($0 as? CertificateFactoryError)?.code == .invalidValidity
        }
        #expect { try CertificateAuthority.make(validFor: .zero) } throws: { ($0 as? CertificateFactoryError)?.code == .invalidValidity }
    }

    @Test("rewriting a key file that was world-readable leaves it 0600")
    func rewriteTightensMode() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/key.pem"
        #expect(FileManager.default.createFile(atPath: key, contents: Data("old".utf8), attributes: [.posixPermissions: 0o666]))
        let server = try CertificateAuthority.make().issueServer(hosts: ["localhost"])
        try server.write(certificate: directory + "/cert.pem", key: key)
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: key, encoding: .utf8) == server.privateKeyPEM)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["cert.pem", "key.pem"])
    }

    // MARK: - Helpers

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-certs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }

    /// Runs openssl with `arguments`; its exit status and its standard output and error together.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

/// A root CA, optionally an intermediate, and a server certificate for localhost, 127.0.0.1 and ::1,
/// written as `ca.pem`, `intermediate.pem`, `cert.pem` (chain), `leaf.pem` and `key.pem`.
private struct ServerFiles {
    let directory: String
    let server: IssuedCertificate
    let intermediate: Bool

    init(key: CertificateKeyAlgorithm, intermediate: Bool) throws {
        directory = try CertificateAuthorityTests.temporaryDirectory()
        self.intermediate = intermediate
        let root = try CertificateAuthority.make(key: key)
        try root.write(certificate: directory + "/ca.pem")
        var issuer = root
        if intermediate {
            issuer = try root.makeIntermediate(commonName: "Bulwark Test Intermediate")
            try issuer.write(certificate: directory + "/intermediate.pem")
        }
        server = try issuer.issueServer(hosts: ["localhost", "127.0.0.1", "::1"], key: key)
        try server.write(certificate: directory + "/cert.pem", key: directory + "/key.pem")
        try server.write(certificate: directory + "/leaf.pem", key: directory + "/leaf-key.pem", includeChain: false)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// `-CAfile ca.pem [-untrusted intermediate.pem] leaf.pem`.
    var verifyArguments: [String] {
        ["-CAfile", path("ca.pem")] + (intermediate ? ["-untrusted", path("intermediate.pem")] : []) + [path("leaf.pem")]
    }

    func mode(_ name: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(name))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Sends back what it reads.
private final class Echo: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

/// Completes its promise at the first bytes read back through TLS (so the handshake, with the
/// client's verification of the chain and the host name, succeeded), or fails it with the first error.
private final class ReplyWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        promise.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
