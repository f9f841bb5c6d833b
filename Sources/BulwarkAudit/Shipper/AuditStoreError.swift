import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// A store call that failed: what was being done and why, in words (the server's message and SQLSTATE,
/// or the network reason), never with the database password.
public struct AuditStoreError: Error, Sendable, CustomStringConvertible {
    /// What failed and why, e.g. `connect to postgres://audit@127.0.0.1:5432/audit: connection refused`.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `error` while doing `action` against `url`, in words, the password masked.
    static func describing(_ error: any Error, while action: String, url: AuditDatabaseURL) -> AuditStoreError {
        if let error = error as? AuditStoreError { return error }
        return AuditStoreError(url.redacting("\(action) (\(url)): \(words(for: error))"))
    }

    private static func words(for error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        switch error.code {
        case .server:
            if let info = error.serverInfo, let message = info[.message] {
                return message + (info[.sqlState].map { " (\($0))" } ?? "")
            }
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            if let underlying = error.underlying {
                if let channel = underlying as? ChannelError, case .connectTimeout = channel { return "timed out connecting" }
                if let connection = underlying as? NIOConnectionError, let io = connection.connectionErrors.first?.error as? IOError {
                    return "cannot connect: \(String(cString: strerror(io.errnoCode)))"
                }
                if let io = underlying as? IOError { return "\(error.code): \(String(cString: strerror(io.errnoCode)))" }
                return "\(error.code): \(String(describing: underlying))"
            }
        default:
            break
        }
        return "\(error.code)" + (error.underlying.map { ": \(String(describing: $0))" } ?? "")
    }
}
