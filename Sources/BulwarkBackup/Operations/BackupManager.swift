import BulwarkConfig
import Foundation
import Logging

/// `bulwark backup`: run, list, verify, restore and prune PostgreSQL backups for one `backup:` section.
public final class BackupManager: Sendable {
    /// The settings.
    public let settings: BackupSettings
    /// The local catalogue.
    public let catalogue: BackupCatalogue
    let source: DatabaseURL
    let tools: PostgresTools
    let s3: S3Client?
    let notifier: BackupNotifier
    let logger: Logger

    /// Prepares everything that can be checked without the database.
    public init(settings: BackupSettings, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        self.source = try DatabaseURL(parsing: settings.databaseURL)
        self.tools = try PostgresTools(binDirectory: settings.binDirectory)
        self.catalogue = try BackupCatalogue(path: settings.directory, logger: logger)
        if let s3 = settings.s3 {
            guard let access = environment[s3.accessKeyEnvironmentVariable], !access.isEmpty,
                  let secret = environment[s3.secretKeyEnvironmentVariable], !secret.isEmpty else {
                throw BackupError("backup.s3: set \(s3.accessKeyEnvironmentVariable) and \(s3.secretKeyEnvironmentVariable) to the S3 access key id and secret")
            }
            self.s3 = try S3Client(settings: s3, accessKey: access, secretKey: secret, logger: logger)
        } else {
            self.s3 = nil
        }
        self.notifier = try BackupNotifier(urls: settings.notifyWebhooks, logger: logger)
    }

    /// The retention counts as a policy.
    var retention: RetentionPolicy {
        RetentionPolicy(daily: settings.retention.daily, weekly: settings.retention.weekly, monthly: settings.retention.monthly, yearly: settings.retention.yearly)
    }

    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}
