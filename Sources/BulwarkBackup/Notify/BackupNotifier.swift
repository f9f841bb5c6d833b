import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Resilience

/// Tells `backup.notify.webhooks` about each run: JSON with a `text` field (Slack-style) plus `event`,
/// `status` and the backup's manifest, sent with the core's `Retry` (3 attempts, jittered backoff).
/// A receiver that stays down is logged, never fails the backup.
struct BackupNotifier: Sendable {
    let urls: [String]
    let retry: Retry
    let logger: Logger

    init(urls: [String], logger: Logger) throws {
        self.urls = urls
        self.logger = logger
        self.retry = try Retry(RetryConfiguration(
            name: "backup-webhook", maxAttempts: 3,
            backoff: Backoff.exponential(base: .milliseconds(200), multiplier: 2, maximum: .seconds(3)).jittered(.full),
            logger: logger
        ))
    }

    struct Payload: Encodable {
        var text: String
        var event: String
        var status: String
        var backup: BackupManifest?
    }

    func notify(event: String, text: String, manifest: BackupManifest?) async {
        guard !urls.isEmpty else { return }
        let payload = Payload(text: text, event: event, status: event.hasSuffix("succeeded") ? "success" : "failure", backup: manifest)
        guard let body = try? BackupCatalogue.encoder.encode(payload) else { return }
        for url in urls {
            do {
                try await retry.execute {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    guard (200..<300).contains(Int(response.status.code)) else { throw BackupError("webhook answered HTTP \(response.status.code)") }
                }
            } catch {
                logger.warning("backup webhook not delivered", metadata: ["host": "\(URLComponents(string: url)?.host ?? "?")", "error": "\(error)"])
            }
        }
    }
}
