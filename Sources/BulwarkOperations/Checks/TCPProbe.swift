import NIOCore
import NIOPosix
import Resilience

/// Checks that a TCP service accepts connections (SMTP, a message broker, anything without a probe of its
/// own): it connects, then closes at once, sending nothing.
///
/// ```swift
/// let probe = TCPProbe(host: "10.0.0.9", port: 25)
/// let outcome = await probe.probe(timeout: .seconds(2))   // .passed(detail: "connected"), .failed("connection refused")
/// ```
///
/// The host name is resolved at every probe; the timeout covers resolution and connecting. Failures read
/// `connection refused`, `timed out after 2 s`, `cannot resolve mail.internal`.
public struct TCPProbe: DependencyProbe {
    /// The host name or address connected to.
    public let host: String
    /// The port connected to.
    public let port: Int

    /// A probe for `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Connects within `timeout`, then closes.
    public func probe(timeout: Duration) async -> ProbeOutcome {
        guard (1...65_535).contains(port) else { return .failed("port \(port) is not in 1…65535") }
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: host, port: port)
                .get()
            try? await channel.close()
            return .passed(detail: "connected")
        } catch {
            return .failed(ProbeFailureText.finished(ProbeFailureText.words(for: error, timeout: timeout)))
        }
    }
}
