import Crypto
import Foundation

/// One journal record: an ``AuditEntry`` at its place in the chain.
///
/// On disk (all integers little-endian):
/// ```
/// u32 payload length │ u32 CRC-32C of the payload │ payload
/// payload = u64 sequence │ 32 bytes: SHA-256 of the previous record's payload │ entry as JSON (sorted keys)
/// ```
/// A record's hash is the SHA-256 of its payload, which holds the previous record's hash: changing,
/// inserting or removing any record breaks every link after it. The first record's previous hash is
/// 32 zero bytes (``AuditChain/genesis``).
public struct AuditRecord: Sendable, Equatable {
    /// The record's place in the journal, from 1, without gaps.
    public var sequence: UInt64
    /// The SHA-256 of the previous record's payload.
    public var previousHash: [UInt8]
    /// What it says.
    public var entry: AuditEntry
    /// The SHA-256 of this record's payload (the next record's ``previousHash``).
    public var hash: [UInt8]

    /// Bytes before the payload: length and CRC.
    public static let frameHeaderBytes = 8
    /// Bytes of the payload before the entry: sequence and previous hash.
    public static let payloadHeaderBytes = 40
    /// The largest payload written or accepted: 1 MiB. A longer length field is damage, not a record.
    public static let maximumPayloadBytes = 1 << 20

    /// Encodes `entry` as record number `sequence` after a record whose hash is `previousHash`: the
    /// framed bytes to append, and the record.
    public static func encode(_ entry: AuditEntry, sequence: UInt64, previousHash: [UInt8]) throws -> (bytes: [UInt8], record: AuditRecord) {
        precondition(previousHash.count == 32, "a previous hash is 32 bytes")
        let json = AuditEntryJSON.encode(entry)
        var payload = [UInt8]()
        payload.reserveCapacity(payloadHeaderBytes + json.count)
        appendLittleEndian(sequence, to: &payload)
        payload.append(contentsOf: previousHash)
        payload.append(contentsOf: json)
        guard payload.count <= maximumPayloadBytes else { throw AuditRecordError.tooLarge(payload.count) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(frameHeaderBytes + payload.count)
        appendLittleEndian(UInt32(payload.count), to: &bytes)
        appendLittleEndian(CRC32C.checksum(payload), to: &bytes)
        bytes.append(contentsOf: payload)
        let record = AuditRecord(sequence: sequence, previousHash: previousHash, entry: entry, hash: Array(SHA256.hash(data: payload)))
        return (bytes, record)
    }

    /// What ``decode(_:at:)`` found at an offset.
    public enum Decoded: Sendable, Equatable {
        /// A whole, intact record, `length` bytes long with its frame.
        case record(AuditRecord, length: Int)
        /// The bytes end before the record does (a torn tail, when it is the end of the journal).
        case incomplete
        /// The bytes are there but wrong: `reason` says how (a bad CRC, an impossible length, JSON
        /// that does not decode).
        case damaged(reason: String)
    }

    /// Decodes the record that starts at `offset` of `bytes`.
    public static func decode(_ bytes: some RandomAccessCollection<UInt8>, at offset: Int) -> Decoded {
        let available = bytes.count - offset
        guard available >= frameHeaderBytes else { return .incomplete }
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        let length = Int(readLittleEndian(UInt32.self, bytes, at: start))
        let expectedCRC = readLittleEndian(UInt32.self, bytes, at: bytes.index(start, offsetBy: 4))
        guard length >= payloadHeaderBytes + 2, length <= maximumPayloadBytes else {
            return .damaged(reason: "impossible record length \(length)")
        }
        guard available >= frameHeaderBytes + length else { return .incomplete }
        let payloadStart = bytes.index(start, offsetBy: frameHeaderBytes)
        let payload = Array(bytes[payloadStart..<bytes.index(payloadStart, offsetBy: length)])
        guard CRC32C.checksum(payload) == expectedCRC else { return .damaged(reason: "CRC mismatch") }
        let sequence = readLittleEndian(UInt64.self, payload, at: 0)
        let previousHash = Array(payload[8..<40])
        guard let entry = try? AuditEntryJSON.decoder.decode(AuditEntry.self, from: Data(payload[40...])) else {
            return .damaged(reason: "the entry is not valid JSON")
        }
        let record = AuditRecord(sequence: sequence, previousHash: previousHash, entry: entry, hash: Array(SHA256.hash(data: payload)))
        return .record(record, length: frameHeaderBytes + length)
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func readLittleEndian<T: FixedWidthInteger, C: Collection<UInt8>>(_: T.Type, _ bytes: C, at start: C.Index) -> T {
        var value: T = 0
        var index = start
        for shift in stride(from: 0, to: T.bitWidth, by: 8) {
            value |= T(bytes[index]) << shift
            index = bytes.index(after: index)
        }
        return value
    }
}

/// Why a record could not be written.
public enum AuditRecordError: Error, Equatable, CustomStringConvertible {
    /// The entry's payload would exceed ``AuditRecord/maximumPayloadBytes``.
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .tooLarge(let bytes): "an audit record of \(bytes) bytes exceeds the 1 MiB limit (lower audit.capture_body)"
        }
    }
}
