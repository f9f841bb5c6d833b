import Logging
import Synchronization

/// Records log lines in memory, for asserting that a warning was logged. (This test target does not
/// depend on swift-log's `InMemoryLogging`; this is the small part of it the backup tests need.)
struct RecordingLogHandler: LogHandler {
    /// One recorded line.
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    /// The lines, shared by every copy of the handler.
    final class Store: Sendable {
        let entries = Mutex<[Entry]>([])
        var all: [Entry] { entries.withLock { $0 } }
        /// Lines whose message is `message`.
        func lines(_ message: String) -> [Entry] { all.filter { $0.message == message } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    /// A logger that records into a fresh store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test.backup") { _ in RecordingLogHandler(store: store) }, store)
    }

    func log(event: LogEvent) {
        let entry = Entry(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        store.entries.withLock { $0.append(entry) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
