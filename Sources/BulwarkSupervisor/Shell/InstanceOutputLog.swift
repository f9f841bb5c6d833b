import Foundation
import Synchronization

/// Where the supervisor writes its instances' output: one JSON object per line,
/// `{"time":"…","type":"process_output","instance":"app.0#3","line":"listening on 3001"}`, on
/// standard output by default (beside the access log), so a log shipper keeps every instance apart.
public final class InstanceOutputLog: Sendable {
    private let handle: Mutex<FileHandle>

    /// Writes to `handle` (default standard output).
    public init(handle: FileHandle = .standardOutput) {
        self.handle = Mutex(handle)
    }

    /// Writes `line` of `instance`.
    public func write(line: String, instance: InstanceID) {
        let record = Record(time: Date(), type: "process_output", instance: instance.description, line: line)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(record) else { return }
        data.append(0x0A)
        handle.withLock { try? $0.write(contentsOf: data) }
    }

    struct Record: Encodable {
        var time: Date
        var type: String
        var instance: String
        var line: String
    }
}
