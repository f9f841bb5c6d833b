import NIOCore
import NIOHTTP1

/// The bytes of a ``StoredEntry`` (the value the tiered cache keeps): a kind byte, then for a response
/// its status, fields, decision and body; for a variant index its field names. Strings are UInt32
/// length-prefixed UTF-8; integers big-endian. Anything that does not read back whole is a miss.
extension StoredEntry {
    private enum Kind: UInt8 {
        case response = 1
        case variants = 2
    }

    func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        switch self {
        case .variants(let index):
            buffer.writeInteger(Kind.variants.rawValue)
            buffer.writeInteger(index.generation)
            buffer.writeStrings(index.varyFieldNames)
        case .response(let response):
            buffer.reserveCapacity(256 + response.body.readableBytes)
            buffer.writeInteger(Kind.response.rawValue)
            buffer.writeInteger(UInt16(clamping: response.status))
            buffer.writeInteger(response.storedAt)
            buffer.writeInteger(UInt32(response.headers.count))
            for (name, value) in response.headers {
                buffer.writeSizedString(name)
                buffer.writeSizedString(value)
            }
            let decision = response.decision
            for number in [decision.freshnessLifetime, decision.staleWhileRevalidate, decision.staleIfError, decision.initialAge] {
                buffer.writeInteger(number)
            }
            buffer.writeInteger(UInt8(decision.freshnessSource.code))
            let flags = (decision.requiresValidation ? 1 : 0) | (decision.staleForbidden ? 2 : 0) | (decision.immutable ? 4 : 0)
            buffer.writeInteger(UInt8(flags))
            buffer.writeStrings(decision.varyFieldNames)
            buffer.writeOptionalString(decision.entityTag)
            buffer.writeOptionalString(decision.lastModified)
            var body = response.body
            buffer.writeBuffer(&body)
        }
        return buffer
    }

    init?(encoded: ByteBuffer) {
        var buffer = encoded
        guard let kindByte = buffer.readInteger(as: UInt8.self), let kind = Kind(rawValue: kindByte) else { return nil }
        switch kind {
        case .variants:
            guard let generation = buffer.readInteger(as: UInt64.self), let names = buffer.readStrings(), buffer.readableBytes == 0 else { return nil }
            self = .variants(VariantIndex(varyFieldNames: names, generation: generation))
        case .response:
            guard let status = buffer.readInteger(as: UInt16.self),
                  let storedAt = buffer.readInteger(as: Int64.self),
                  let fieldCount = buffer.readInteger(as: UInt32.self), fieldCount < 10_000
            else { return nil }
            var headers = HTTPHeaders()
            for _ in 0..<fieldCount {
                guard let name = buffer.readSizedString(), let value = buffer.readSizedString() else { return nil }
                headers.add(name: name, value: value)
            }
            guard let lifetime = buffer.readInteger(as: Int64.self),
                  let revalidate = buffer.readInteger(as: Int64.self),
                  let onError = buffer.readInteger(as: Int64.self),
                  let initialAge = buffer.readInteger(as: Int64.self),
                  let sourceCode = buffer.readInteger(as: UInt8.self),
                  let source = CachePolicyDecision.FreshnessSource(code: sourceCode),
                  let flags = buffer.readInteger(as: UInt8.self),
                  let varyNames = buffer.readStrings(),
                  let entityTag = buffer.readOptionalString(),
                  let lastModified = buffer.readOptionalString()
            else { return nil }
            let decision = CachePolicyDecision(
                freshnessLifetime: lifetime, freshnessSource: source, staleWhileRevalidate: revalidate, staleIfError: onError,
                requiresValidation: flags & 1 != 0, staleForbidden: flags & 2 != 0, varyFieldNames: varyNames,
                entityTag: entityTag, lastModified: lastModified, initialAge: initialAge, immutable: flags & 4 != 0
            )
            self = .response(StoredResponse(status: UInt(status), headers: headers, body: buffer, storedAt: storedAt, decision: decision))
        }
    }
}

extension CachePolicyDecision.FreshnessSource {
    var code: UInt8 {
        switch self {
        case .sharedMaxAge: 1
        case .maxAge: 2
        case .expires: 3
        case .heuristic: 4
        }
    }

    init?(code: UInt8) {
        switch code {
        case 1: self = .sharedMaxAge
        case 2: self = .maxAge
        case 3: self = .expires
        case 4: self = .heuristic
        default: return nil
        }
    }
}

extension ByteBuffer {
    mutating func writeSizedString(_ text: String) {
        writeInteger(UInt32(text.utf8.count))
        writeString(text)
    }

    mutating func readSizedString() -> String? {
        guard let length = readInteger(as: UInt32.self), length <= readableBytes else { return nil }
        return readString(length: Int(length))
    }

    mutating func writeStrings(_ texts: [String]) {
        writeInteger(UInt16(clamping: texts.count))
        for text in texts.prefix(Int(UInt16.max)) { writeSizedString(text) }
    }

    mutating func readStrings() -> [String]? {
        guard let count = readInteger(as: UInt16.self) else { return nil }
        var texts: [String] = []
        for _ in 0..<count {
            guard let text = readSizedString() else { return nil }
            texts.append(text)
        }
        return texts
    }

    mutating func writeOptionalString(_ text: String?) {
        writeInteger(UInt8(text == nil ? 0 : 1))
        if let text { writeSizedString(text) }
    }

    mutating func readOptionalString() -> String?? {
        guard let present = readInteger(as: UInt8.self) else { return nil }
        guard present == 1 else { return .some(nil) }
        guard let text = readSizedString() else { return nil }
        return .some(text)
    }
}
