import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Why a connection to a server failed, in words: `connection refused`, `connect timed out`.
enum ConnectFailure {
    static func words(_ error: any Error) -> String {
        if let attempts = error as? NIOConnectionError {
            guard let last = attempts.connectionErrors.last?.error else { return "cannot resolve \(attempts.host)" }
            return words(last)
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "connect timed out" }
        return String(describing: error)
    }
}
