import AsyncHTTPClient
import BulwarkConfig
import NIOCore
import NIOPosix

/// Polls a starting instance until it shows it is ready: `GET path` answers 2xx, or its port accepts
/// a connection. (Readiness by a log line is watched where the output is read.) Returns when ready;
/// stops when cancelled. The machine times readiness out itself.
enum ReadinessCheck {
    /// Time between two attempts.
    static let pollInterval: Duration = .milliseconds(100)

    /// Waits until `readiness` holds for `127.0.0.1:port`; returns false when cancelled first or when
    /// readiness is seen in the output instead.
    static func wait(for readiness: ProcessGroupSettings.Readiness, port: Int, sleep: @Sendable (Duration) async throws -> Void) async -> Bool {
        while !Task.isCancelled {
            switch readiness {
            case .http(let path): if await httpPasses(port: port, path: path) { return true }
            case .tcp: if await accepts(port: port) { return true }
            case .log: return false
            }
            do { try await sleep(pollInterval) } catch { return false }
        }
        return false
    }

    static func httpPasses(port: Int, path: String) async -> Bool {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "User-Agent", value: "bulwark-run-readiness")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(2))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(Int(response.status.code))
        } catch {
            return false
        }
    }

    static func accepts(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(1))
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
