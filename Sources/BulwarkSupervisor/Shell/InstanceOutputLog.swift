import Foundation
import Synchronization

/// Where the supervisor writes its instances' output: one JSON object per line,
/// `{"time":"…","type":"process_output","instance":"app.0#3","line":"listening on 3001"}`, on
/// standard output by default (beside the access log), so a log shipper keeps every instance apart.
public final class InstanceOutputLog: Sendable {
    private let output: Mutex<(handle: FileHandle, encoder: JSONEncoder)>

    /// Writes to `handle` (default standard output).
    public init(handle: FileHandle = .standardOutput) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.output = Mutex((handle, encoder))
    }

    /// Writes `line` of `instance`.
    public func write(line: String, instance: InstanceID) {
        let record = Record(time: Date(), type: "process_output", instance: instance.description, line: line)
        output.withLock { output in
            guard var data = try? output.encoder.encode(record) else { return }
            data.append(0x0A)
            try? output.handle.write(contentsOf: data)
        }
    }

    struct Record: Encodable {
        var time: Date
        var type: String
        var instance: String
        var line: String
    }
}
