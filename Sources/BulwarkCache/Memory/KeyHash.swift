import Resilience

/// A 64-bit hash of a key's UTF-8 bytes under a seed the cache chooses (unlike `hashValue`, whose seed is
/// fixed per process): a random seed keeps outsiders from crafting keys that collide in the index or the
/// frequency sketch, and a fixed seed makes shard choice and admission decisions repeat from run to run
/// (tests, benchmarks). Reads eight bytes at a time; no allocation. Not cryptographic.
@usableFromInline
enum KeyHash {
    /// The hash of `key` under `seed`.
    @usableFromInline
    static func of(_ key: String, seed: UInt64) -> UInt64 {
        if let hash = key.utf8.withContiguousStorageIfAvailable({ of(bytes: $0, seed: seed) }) { return hash }
        return Array(key.utf8).withUnsafeBufferPointer { of(bytes: $0, seed: seed) }
    }

    private static func of(bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var hash = (UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15) ^ seed
        var offset = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while offset + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        return RandomSource.splitMix64(hash)
    }
}
