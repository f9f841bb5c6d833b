import BulwarkAudit
import BulwarkConfig
import BulwarkGateway
import BulwarkOperations
import Foundation
import Logging
import NIOHTTP1

/// A real gateway (not started: the admin API acts on its breakers) and its admin listener with a real
/// audit log in a fresh temporary journal directory.
struct AuditAdminHarness {
    let gateway: Gateway
    let admin: AdminService
    let audit: AuditLog?
    let journal: String
    let adminPort: Int
    let logTask: Task<Void, any Error>?

    /// The gateway's one upstream, `app`, with one target that is never called.
    static let yaml = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:9"]
        """

    /// Starts the admin listener with `audit:` settings (nil: no `audit:`), runs `body`, stops everything
    /// and removes the journal.
    static func with<T>(audit settings: AuditSettings?, _ body: (AuditAdminHarness) async throws -> T) async throws -> T {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-audit-admin-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: journal) }
        var configuration = try BulwarkConfiguration.parse(yaml: yaml)
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.admin.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .off
        configuration.audit = settings.map { settings in
            var settings = settings
            settings.journal = journal
            return settings
        }
        var logger = Logger(label: "test.audit-admin")
        logger.logLevel = .critical
        let log = try configuration.audit.map { settings in
            try AuditLog(configuration: .init(
                journal: settings.journal, databaseURL: nil, waitsForDisk: settings.durability == .sync, retention: settings.retention,
                segmentBytes: settings.segmentBytes, asyncFlushInterval: AuditSettings.Defaults.asyncFlushInterval,
                shipInterval: settings.shipInterval, shipBatch: settings.shipBatch
            ), logger: logger)
        }
        let exporter = PrometheusExporter()
        let gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: exporter.factory, audit: log)
        let admin = try AdminService(
            gateway: gateway, exporter: exporter, version: "test", configurationText: yaml, configurationPath: nil,
            environment: [:], audit: log, logger: logger
        )
        let logTask = log.map { log in Task { try await log.run() } }
        let adminTask = Task { try await admin.run() }
        let harness = AuditAdminHarness(gateway: gateway, admin: admin, audit: log, journal: journal, adminPort: await admin.listeningPort(), logTask: logTask)
        func stop() async {
            adminTask.cancel()
            _ = await adminTask.result
            logTask?.cancel()
            _ = await logTask?.result
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

    /// Stops the audit log's service, which closes its journal: every append fails from then on.
    func closeJournal() async {
        logTask?.cancel()
        _ = await logTask?.result
    }

    /// A request to the admin listener, as the dashboard sends it.
    func admin(_ method: HTTPMethod = .GET, _ path: String, body: String? = nil) async throws -> HTTPReply {
        try await HTTPReply.fetch(method, "http://127.0.0.1:\(adminPort)\(path)", headers: [("X-Bulwark-Admin", "1")], body: body)
    }

    /// Every record in the journal, in order (read with the journal's own reader, as `verify` does).
    func records() throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        try AuditJournalReader(directory: journal).forEachRecord { record, _ in
            records.append(record)
            return true
        }
        return records
    }

    /// The state of the `app` upstream's breaker.
    var breakerState: String? {
        gateway.upstreams.first?.targets.first?.breaker?.state.rawValue
    }
}
