/// The prefix that keeps one cache's keys apart from every other user of the same Redis: a key `user:42`
/// of the namespace `app` is stored as `app|user:42` in the shared tier, and tags and locks live beside it
/// under `app|~tag:` and `app|~lock:`. The `|` ends the namespace (a namespace cannot contain one), so
/// no namespace's keys start with another's: `app` never touches `app:v2|…`.
public struct CacheNamespace: Sendable, Hashable {
    /// The namespace's name, e.g. `app` or `bulwark:http`.
    public let name: String

    /// A namespace called `name` (non-empty, no spaces, no `|`).
    public init(_ name: String) {
        self.name = name
    }

    /// The shared tier's key for `key`.
    public func storageKey(_ key: String) -> String { "\(name)|\(key)" }

    /// The shared tier's set of keys tagged `tag`.
    public func tagKey(_ tag: String) -> String { "\(name)|~tag:\(tag)" }

    /// The shared tier's lock for `key`.
    public func lockKey(_ key: String) -> String { "\(name)|~lock:\(key)" }

    /// The `SCAN MATCH` pattern for every stored key starting with `prefix` (glob characters escaped).
    public func scanPattern(prefix: String) -> String {
        var pattern = "\(name)|"
        for character in prefix {
            if "*?[]\\".contains(character) { pattern.append("\\") }
            pattern.append(character)
        }
        pattern.append("*")
        return pattern
    }

    /// The caller's key of a stored key, or nil when it belongs to another namespace or is a tag or lock.
    public func key(ofStorageKey storageKey: String) -> String? {
        let head = "\(name)|"
        guard storageKey.hasPrefix(head) else { return nil }
        let key = String(storageKey.dropFirst(head.count))
        return key.hasPrefix("~") ? nil : key
    }
}
