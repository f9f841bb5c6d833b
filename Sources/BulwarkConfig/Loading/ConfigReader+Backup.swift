import Yams

/// The `backup:` section.
extension ConfigReader {
    mutating func readBackup(_ node: Node?) -> BackupSettings? {
        guard let node else { return nil }
        let keys = ["database_url", "directory", "retention", "schedule", "s3", "notify", "compression_level", "bin_dir"]
        guard let entries = mapping(node, at: "backup", allowed: keys) else { return nil }
        let url = string(entries["database_url"], at: "backup.database_url")
        let directory = string(entries["directory"], at: "backup.directory")
        if url == nil, entries["database_url"] == nil { report("backup.database_url", "missing: the database to back up, e.g. postgres://app@127.0.0.1:5432/app") }
        if directory == nil, entries["directory"] == nil { report("backup.directory", "missing: where backups are kept, e.g. /var/backups/bulwark") }
        if let url, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            report("backup.database_url", "expected a postgres:// URL, got '\(Self.shown(url, at: "backup.database_url"))'")
        }
        var backup = BackupSettings(databaseURL: url ?? "", directory: directory ?? "")
        if let node = entries["retention"], let retention = mapping(node, at: "backup.retention", allowed: ["daily", "weekly", "monthly", "yearly"]) {
            if let value = int(retention["daily"], at: "backup.retention.daily", in: 0...100_000) { backup.retention.daily = value }
            if let value = int(retention["weekly"], at: "backup.retention.weekly", in: 0...100_000) { backup.retention.weekly = value }
            if let value = int(retention["monthly"], at: "backup.retention.monthly", in: 0...100_000) { backup.retention.monthly = value }
            if let value = int(retention["yearly"], at: "backup.retention.yearly", in: 0...100_000) { backup.retention.yearly = value }
        }
        if let text = string(entries["schedule"], at: "backup.schedule"), !text.isEmpty {
            do {
                backup.schedule = try CronSchedule(parsing: text)
            } catch {
                report("backup.schedule", error.problem + " (expected 'minute hour day month weekday', e.g. '0 2 * * *')", about: text)
            }
        }
        if let value = int(entries["compression_level"], at: "backup.compression_level", in: 0...9) { backup.compressionLevel = value }
        if let value = string(entries["bin_dir"], at: "backup.bin_dir") { backup.binDirectory = value }
        if let node = entries["notify"], let notify = mapping(node, at: "backup.notify", allowed: ["webhooks"]) {
            for (index, url) in (stringList(notify["webhooks"], at: "backup.notify.webhooks") ?? []).enumerated() {
                if let problem = Self.webhookProblem(url) { report("backup.notify.webhooks[\(index)]", problem, about: url) } else { backup.notifyWebhooks.append(url) }
            }
        }
        if let node = entries["s3"] {
            let allowed = ["endpoint", "bucket", "prefix", "region", "access_key_env", "secret_key_env"]
            if let s3 = mapping(node, at: "backup.s3", allowed: allowed) {
                let endpoint = string(s3["endpoint"], at: "backup.s3.endpoint")
                let bucket = string(s3["bucket"], at: "backup.s3.bucket")
                if endpoint == nil { report("backup.s3.endpoint", "missing: e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000") }
                if bucket == nil { report("backup.s3.bucket", "missing: the bucket to copy backups to") }
                if let endpoint, Self.webhookProblem(endpoint) != nil { report("backup.s3.endpoint", "expected an http:// or https:// URL, got '\(Self.shown(endpoint, at: "backup.s3.endpoint"))'") }
                var settings = BackupSettings.S3Settings(endpoint: endpoint ?? "", bucket: bucket ?? "")
                if let value = string(s3["prefix"], at: "backup.s3.prefix") { settings.prefix = value }
                if let value = string(s3["region"], at: "backup.s3.region") { settings.region = value }
                if let value = string(s3["access_key_env"], at: "backup.s3.access_key_env") { settings.accessKeyEnvironmentVariable = value }
                if let value = string(s3["secret_key_env"], at: "backup.s3.secret_key_env") { settings.secretKeyEnvironmentVariable = value }
                backup.s3 = settings
            }
        }
        return backup
    }
}
