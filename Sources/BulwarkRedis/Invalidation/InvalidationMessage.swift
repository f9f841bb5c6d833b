/// One invalidation sent over an ``InvalidationBus``: a topic (which feature it is for, e.g. `cache` or
/// `revocation`), a kind within that topic (e.g. `key`, `prefix`, `tag`) and a value, stamped with the
/// instance that sent it so that instance can skip its own message.
public struct InvalidationMessage: Sendable, Hashable {
    /// The feature the message is for; listeners register by topic.
    public var topic: String
    /// What kind of invalidation it is, as the topic's owner defines (e.g. `key`, `prefix`, `tag`, `all`).
    public var kind: String
    /// The key, prefix, tag or other value; may hold any text.
    public var value: String
    /// The instance that published it.
    public var origin: String

    /// A message. `topic`, `kind` and `origin` must not contain `|` or line breaks; `value` may hold anything.
    public init(topic: String, kind: String, value: String, origin: String) {
        self.topic = topic
        self.kind = kind
        self.value = value
        self.origin = origin
    }

    /// The text published on the channel: `v1|topic|kind|origin|value`.
    public var payload: String { "v1|\(topic)|\(kind)|\(origin)|\(value)" }

    /// Reads a payload written by ``payload``; nil for anything else (another version, another sender).
    public init?(payload: String) {
        let parts = payload.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v1", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(topic: String(parts[1]), kind: String(parts[2]), value: String(parts[4]), origin: String(parts[3]))
    }

    /// Whether `text` can stand as a topic, kind or origin.
    public static func isValidField(_ text: String) -> Bool {
        !text.isEmpty && !text.contains(where: { $0 == "|" || $0.isNewline })
    }
}

/// What an ``InvalidationBus`` tells its listeners.
public enum InvalidationEvent: Sendable, Hashable {
    /// Another instance invalidated something.
    case message(InvalidationMessage)
    /// The subscription was re-established after it was lost: messages sent meanwhile were missed, so
    /// whatever the listener holds locally may be out of date (a cache should drop its local copies).
    case resynchronize
}
