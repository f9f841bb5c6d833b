/// The `backup:` section: PostgreSQL backups made with `pg_dump`, verified, rotated and optionally
/// copied to S3-compatible storage. A file with only this section is valid for `bulwark backup`.
public struct BackupSettings: Sendable, Hashable {
    /// `postgres://user@host:port/db`. A password may come from the URL, `PGPASSWORD` or `~/.pgpass`;
    /// it is never logged.
    public var databaseURL: String
    /// Where archives and their manifests are kept (a local or mounted directory).
    public var directory: String
    /// Grandfather-father-son retention: how many days, weeks, months and years keep their newest backup.
    public var retention = Retention()
    /// A cron expression (`0 2 * * *`); when set, `bulwark serve` runs backups itself.
    public var schedule: CronSchedule?
    /// Off-site copy to S3-compatible storage.
    public var s3: S3Settings?
    /// URLs told about every run (JSON with a `text` field).
    public var notifyWebhooks: [String] = []
    /// `pg_dump` compression level (0–9). Default 6, pg_dump's own default.
    public var compressionLevel = 6
    /// Directory of `pg_dump`, `pg_restore` and `psql`; nil searches `PATH`, then Debian's
    /// `/usr/lib/postgresql/*/bin`.
    public var binDirectory: String?

    /// Settings with every default.
    public init(databaseURL: String, directory: String) {
        self.databaseURL = databaseURL
        self.directory = directory
    }

    /// `retention:` counts (defaults 7 daily, 4 weekly, 12 monthly, 5 yearly).
    public struct Retention: Sendable, Hashable {
        /// Newest backup of each of the last N days that have one.
        public var daily = 7
        /// Of each of the last N ISO weeks.
        public var weekly = 4
        /// Of each of the last N months.
        public var monthly = 12
        /// Of each of the last N years.
        public var yearly = 5
        /// Defaults.
        public init() {}
    }

    /// `s3:`.
    public struct S3Settings: Sendable, Hashable {
        /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000` (MinIO)…
        public var endpoint: String
        /// The bucket.
        public var bucket: String
        /// Key prefix, e.g. `db/` (default empty).
        public var prefix = ""
        /// Region used in the signature. Default `us-east-1`.
        public var region = "us-east-1"
        /// Environment variable holding the access key id. Default `AWS_ACCESS_KEY_ID`.
        public var accessKeyEnvironmentVariable = "AWS_ACCESS_KEY_ID"
        /// Environment variable holding the secret key. Default `AWS_SECRET_ACCESS_KEY`.
        public var secretKeyEnvironmentVariable = "AWS_SECRET_ACCESS_KEY"
        /// Creates settings.
        public init(endpoint: String, bucket: String) {
            self.endpoint = endpoint
            self.bucket = bucket
        }
    }
}
