import BulwarkCredentials
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Resilience
import Synchronization

/// Checks a PostgreSQL server the way an application would reach it: a new connection (TLS as the URL's
/// `sslmode` says), authentication, `SELECT 1`, and close, all within the probe's timeout.
///
/// ```swift
/// let probe = try PostgresProbe(url: "postgres://monitor:secret@10.0.0.1/app?sslmode=verify-full")
/// switch await probe.probe(timeout: .seconds(2)) {
/// case .passed(let detail): print(detail)       // SELECT 1 returned 1
/// case .failed(let reason): print(reason)       // database "app" does not exist (3D000)
/// case .warning: break
/// }
/// ```
///
/// Each probe opens its own `PostgresConnection` (never a `PostgresClient`, whose pool retries a failing
/// connection for about a minute and hides the reason), so a failure names the real cause: the server's
/// message (`password authentication failed for user "monitor"`), `connection refused`, or
/// `timed out after 2 s`. No failure text ever holds the password.
///
/// The URL: `postgres://[user[:password]@]host[:port][/database][?parameters]` (or `postgresql://`);
/// user and password are percent-decoded. Defaults: port 5432, user `postgres`, database = the user.
/// Parameters:
///
/// | parameter | meaning |
/// | --- | --- |
/// | `sslmode` | ``SSLMode``, as libpq reads it; default `prefer` |
/// | `sslrootcert` | PEM file of the CAs the server's certificate must chain to (`require`, `verify-ca`, `verify-full`); `system` or absent: the system trust store |
/// | `application_name` | shown in `pg_stat_activity`; default `bulwark-health` |
public struct PostgresProbe: DependencyProbe {
    /// How the connection uses TLS: libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP only.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not verified. The default.
        case prefer
        /// TLS or fail; the certificate is not verified (unless `sslrootcert` is given: then as `verify-ca`).
        case require
        /// TLS or fail; the certificate must chain to a trusted CA; its name is not checked.
        case verifyCA = "verify-ca"
        /// TLS or fail; the certificate must chain to a trusted CA and name the host.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    public let host: String
    /// The server's port. Default 5432.
    public let port: Int
    /// The role connected as. Default `postgres`.
    public let username: String
    /// The database connected to. Default the user's name.
    public let database: String
    /// How TLS is used. Default ``SSLMode/prefer``.
    public let sslMode: SSLMode
    private let password: String?
    private let secrets: [String]
    private let applicationName: String
    private let tls: PostgresConnection.Configuration.TLS
    private let logger: Logger

    /// Connection ids for PostgresNIO's log metadata.
    private static let connectionIDs = Atomic<Int>(0)

    /// A probe for `url`; see the type's documentation for its form and parameters.
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database?sslmode=…`.
    ///   - logger: where PostgresNIO logs (at debug level and below).
    /// - Throws: ``ProbeURLError`` saying what is wrong (not a `postgres://` URL, no host, a bad port,
    ///   an unknown `sslmode` or parameter, an unreadable `sslrootcert`), with the password masked.
    public init(url: String, logger: Logger = Logger(label: "bulwark.health.postgres")) throws(ProbeURLError) {
        func invalid(_ reason: String) -> ProbeURLError { ProbeURLError(kind: "postgres", url: url, reason: reason) }
        guard let components = URLComponents(string: url) else { throw invalid("not a URL (percent-encode '@', ':' and '/' in the password)") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("must start with postgres:// or postgresql://")
        }
        guard var host = components.host, !host.isEmpty else { throw invalid("no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw invalid("port \(port) is not in 1…65535") }
        let username = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path

        var sslMode = SSLMode.prefer
        var rootCertificate: String?
        var applicationName = "bulwark-health"
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("unknown sslmode '\(value)'; use \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert": rootCertificate = value
            case "application_name": applicationName = value
            default: throw invalid("unknown parameter '\(item.name)'; known: sslmode, sslrootcert, application_name")
            }
        }

        self.host = host
        self.port = port
        self.username = username
        self.database = path.isEmpty ? username : path
        self.sslMode = sslMode
        self.password = components.password
        self.secrets = [components.password, components.percentEncodedPassword].compactMap { $0 }.filter { !$0.isEmpty }
        self.applicationName = applicationName
        self.logger = logger
        do {
            self.tls = try Self.tls(mode: sslMode, rootCertificate: rootCertificate)
        } catch {
            throw invalid(error.text)
        }
    }

    /// Connects, runs `SELECT 1`, checks that it returned 1, and closes; within `timeout` in all.
    public func probe(timeout: Duration) async -> ProbeOutcome {
        let attempt = Attempt()
        let outcome = await ProbeDeadline.run(timeout: timeout) {
            await self.run(attempt, timeout: timeout)
        } onTimeout: {
            try? await attempt.abandon()?.close()
        } timedOut: {
            attempt.hadConnected
                ? "no answer to SELECT 1 within \(timeout.humanReadable)"
                : Self.connectTimedOut(timeout)
        }
        if case .failed(let reason) = outcome { return .failed(ProbeFailureText.finished(reason, secrets: secrets)) }
        return outcome
    }

    private func run(_ attempt: Attempt, timeout: Duration) async -> ProbeOutcome {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        // A backstop only: the probe's own deadline ends the wait first, naming the phase it ended.
        configuration.options.connectTimeout = TimeAmount(timeout + .seconds(1))
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: configuration,
                id: Self.connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue,
                logger: logger
            )
        } catch {
            // PostgresNIO's connect timeout covers the TCP connect and the startup: say it as the deadline does.
            if Self.isConnectTimeout(error) { return .failed(Self.connectTimedOut(timeout)) }
            return .failed(Self.words(for: error, timeout: timeout, host: host))
        }
        guard attempt.connected(connection) else {
            try? await connection.close()
            return .failed("cancelled")
        }
        do {
            var values: [Int] = []
            for try await value in try await connection.query("SELECT 1", logger: logger).decode(Int.self) {
                values.append(value)
            }
            try? await connection.close()
            guard values == [1] else { return .failed("SELECT 1 returned \(values) instead of [1]") }
            return .passed(detail: "SELECT 1 returned 1")
        } catch {
            try? await connection.close()
            return .failed(Self.words(for: error, timeout: timeout, host: host))
        }
    }

    private static func connectTimedOut(_ timeout: Duration) -> String {
        "timed out after \(timeout.humanReadable) (connecting and authenticating)"
    }

    private static func isConnectTimeout(_ error: any Error) -> Bool {
        let error = (error as? PSQLError)?.underlying ?? error
        if let channel = error as? ChannelError, case .connectTimeout = channel { return true }
        return false
    }

    /// PostgresNIO's error in words: the server's message and SQLSTATE for a server error, the network
    /// reason for a connection error, what to change for a TLS or authentication mismatch.
    static func words(for error: any Error, timeout: Duration, host: String? = nil) -> String {
        guard let error = error as? PSQLError else { return ProbeFailureText.words(for: error, timeout: timeout, verifiedName: host) }
        let underlying = error.underlying.map { ProbeFailureText.words(for: $0, timeout: timeout, verifiedName: host) }
        switch error.code {
        case .server:
            guard let info = error.serverInfo, let message = info[.message] else { break }
            var text = message
            if let state = info[.sqlState] { text += " (\(state))" }
            if let detail = info[.detail] { text += ": \(detail)" }
            if let hint = info[.hint] { text += "; hint: \(hint)" }
            return text
        case .connectionError:
            return underlying ?? "cannot connect"
        case .sslUnsupported:
            return "the server does not offer TLS, which the sslmode requires"
        case .failedToAddSSLHandler:
            return "cannot start TLS" + (underlying.map { ": \($0)" } ?? "")
        case .authMechanismRequiresPassword:
            return "the server asks for a password and the URL has none"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method PostgresNIO does not support"
        case .saslError:
            return "SCRAM authentication failed" + (underlying.map { ": \($0)" } ?? "")
        case .serverClosedConnection, .uncleanShutdown:
            return "the server closed the connection" + (underlying.map { ": \($0)" } ?? "")
        case .clientClosedConnection, .queryCancelled:
            return "cancelled"
        default:
            break
        }
        return "\(error.code)" + (underlying.map { ": \($0)" } ?? "")
    }

    /// A problem with the TLS settings, in words.
    struct TLSProblem: Error {
        var text: String
    }

    private static func tls(mode: SSLMode, rootCertificate: String?) throws(TLSProblem) -> PostgresConnection.Configuration.TLS {
        if mode == .disable || mode == .prefer, rootCertificate != nil {
            throw TLSProblem(text: "sslrootcert needs sslmode=require, verify-ca or verify-full")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return .disable
        case .prefer: configuration.certificateVerification = .none
        case .require: configuration.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let path = rootCertificate, path != "system" {
            guard FileManager.default.isReadableFile(atPath: path) else { throw TLSProblem(text: "sslrootcert: cannot read \(path)") }
            guard let roots = try? NIOSSLCertificate.fromPEMFile(path), !roots.isEmpty else {
                throw TLSProblem(text: "sslrootcert: \(path) holds no PEM certificate")
            }
            configuration.trustRoots = .certificates(roots)
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSProblem(text: "cannot set up TLS: \(NetworkErrorText.words(in: String(describing: error)))")
        }
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    /// One probe's connection, so that a probe that timed out can close it, and a connection that is
    /// established after the timeout is closed at once.
    final class Attempt: Sendable {
        private enum State {
            case connecting
            case connected(PostgresConnection)
            case abandoned(afterConnecting: Bool)
        }

        private let state = Mutex(State.connecting)

        /// Records the open connection; false if the probe already gave up (the caller closes it).
        func connected(_ connection: PostgresConnection) -> Bool {
            state.withLock { state in
                guard case .connecting = state else { return false }
                state = .connected(connection)
                return true
            }
        }

        /// Gives up: returns the open connection, if any, for the caller to close.
        func abandon() -> PostgresConnection? {
            state.withLock { state in
                switch state {
                case .connecting:
                    state = .abandoned(afterConnecting: false)
                    return nil
                case .connected(let connection):
                    state = .abandoned(afterConnecting: true)
                    return connection
                case .abandoned:
                    return nil
                }
            }
        }

        /// Whether the connection was established (the timeout then hit the query).
        var hadConnected: Bool {
            state.withLock { state in
                switch state {
                case .connecting: false
                case .connected: true
                case .abandoned(let afterConnecting): afterConnecting
                }
            }
        }
    }
}
