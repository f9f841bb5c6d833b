extension AuditJournal {
    /// How the journal rotates and flushes.
    public struct Options: Sendable, Equatable {
        /// A segment file is closed and a new one started once it passes this many bytes. Defaults to
        /// 64 MiB (`audit.segment_size`).
        public var segmentBytes: Int
        /// How long a record appended without `waitForDisk` may stay written but not `fsync`ed. Defaults
        /// to 100 ms: the acknowledgement window of `durability: async`.
        public var asyncFlushInterval: Duration

        /// Options with the given values; the defaults are 64 MiB segments and a 100 ms flush window.
        public init(segmentBytes: Int = 64 << 20, asyncFlushInterval: Duration = .milliseconds(100)) {
            self.segmentBytes = segmentBytes
            self.asyncFlushInterval = asyncFlushInterval
        }
    }
}
