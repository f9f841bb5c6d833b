import BulwarkAudit
import Crypto
import Foundation
import NIOCore

/// What one audited request gathers for its two records: who, what and where when it is routed, the
/// request body's digest and capture as the client sends it (once, not each retry's replay), and the
/// response body the client gets. Builds the `request` and `completed` entries; writes nothing itself.
struct ExchangeAuditTrail {
    /// The event's id and time, fixed by the first `request` record.
    private(set) var id: AuditEventID?
    private(set) var time: Date?
    /// Who acted (the actor header of the response, or the token's claim).
    var actor: String?
    let client: String
    let requestID: String
    let method: String
    /// The canonical path.
    let path: String
    /// The route's label.
    let route: String?
    /// The request's `Content-Type` (how a captured body is masked).
    let contentType: String?
    private let captureLimit: Int
    private let redact: [String]

    private var requestHash = SHA256()
    private var requestBytes = 0
    private var captured: [UInt8] = []
    private var requestEnded = false
    private var responseHash = SHA256()
    private(set) var responseBytes = 0
    /// Where the event's `request` record is.
    enum RequestRecord: Equatable {
        /// Not appended yet.
        case none
        /// Appended; the journal has not answered yet. `releases` are the attempts whose held heads wait
        /// for it (a retry's head after the first attempt's was recorded).
        case pending(releases: [Int])
        /// On disk (or written, in `async` durability).
        case written
        /// The journal refused it: a later record of the event writes it again.
        case failed
    }

    /// Where the event's `request` record is: one per event, whatever the retries.
    var requestRecord = RequestRecord.none
    /// Whether a `request` record has to be appended (none yet, or the last one failed).
    var needsRequestRecord: Bool { requestRecord == .none || requestRecord == .failed }
    /// The `completed` record was appended: nothing more is written.
    private(set) var completed = false

    init(client: String, requestID: String, method: String, path: String, route: String?, contentType: String?, captureLimit: Int, redact: [String]) {
        self.client = client
        self.requestID = requestID
        self.method = method
        self.path = path
        self.route = route
        self.contentType = contentType
        self.captureLimit = captureLimit
        self.redact = redact
    }

    /// A part of the request body, as the client sent it.
    mutating func requestBodyReceived(_ part: ByteBuffer) {
        part.withUnsafeReadableBytes { requestHash.update(bufferPointer: $0) }
        requestBytes += part.readableBytes
        if captured.count < captureLimit {
            let take = min(captureLimit - captured.count, part.readableBytes)
            captured += part.getBytes(at: part.readerIndex, length: take) ?? []
        }
    }

    /// The client sent the end of the request.
    mutating func requestBodyEnded() { requestEnded = true }

    /// A part of the response body the client gets.
    mutating func responseBodySent(_ part: ByteBuffer) {
        part.withUnsafeReadableBytes { responseHash.update(bufferPointer: $0) }
        responseBytes += part.readableBytes
    }

    /// The `request` record at `now`: the status the client is to get and the target that answered
    /// (nil when the gateway answers itself). The first one fixes the event's id and time.
    mutating func requestEntry(status: Int, target: String?, now: Date) -> AuditEntry {
        let time = self.time ?? now
        let id = self.id ?? AuditEventID(time: time)
        self.time = time
        self.id = id
        var entry = AuditEntry(kind: .request, id: id, time: time)
        fill(&entry, status: status, target: target)
        entry.requestBody = capture
        // Usually the whole body came before the response head: its digest is then in the durable record.
        if requestEnded { entry.requestBodySHA256 = Self.hex(requestHash.finalize()) }
        return entry
    }

    /// The `completed` record: `status` and `target` as the client finally got them, how it ended
    /// (`complete`, `client_closed`, `upstream_failed: …`), and the duration since the request started.
    mutating func completedEntry(status: Int, target: String?, outcome: String, durationMilliseconds: Double) -> AuditEntry {
        completed = true
        var entry = AuditEntry(kind: .completed, id: id ?? AuditEventID(time: time ?? Date()), time: time ?? Date())
        fill(&entry, status: status, target: target)
        entry.requestBodySHA256 = Self.hex(requestHash.finalize())
        entry.requestBody = capture
        entry.durationMilliseconds = durationMilliseconds
        entry.responseBodySHA256 = Self.hex(responseHash.finalize())
        entry.responseBytes = responseBytes
        entry.outcome = outcome
        return entry
    }

    private func fill(_ entry: inout AuditEntry, status: Int, target: String?) {
        entry.actor = actor
        entry.client = client
        entry.requestID = requestID
        entry.method = method
        entry.path = path
        entry.route = route
        entry.status = status == 0 ? nil : status
        entry.target = target
    }

    /// The captured body as kept (nil when `capture_body` is 0 or the body is empty).
    private var capture: String? {
        guard captureLimit > 0, !captured.isEmpty else { return nil }
        let complete = requestEnded && requestBytes == captured.count
        return AuditBodyCapture.text(of: captured, complete: complete, contentType: contentType, redact: redact)
    }

    /// Lower-case hexadecimal (by table: `String(format:)` cost about 20 µs a digest here, twice a request).
    static func hex(_ digest: SHA256.Digest) -> String {
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
