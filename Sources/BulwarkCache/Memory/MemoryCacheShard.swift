import Synchronization

/// One independently locked part of a ``MemoryCache``: a ``WTinyLFU`` policy behind a mutex.
@usableFromInline
final class MemoryCacheShard<Value: Sendable>: Sendable {
    @usableFromInline let policy: Mutex<WTinyLFU<Value>>

    init(_ policy: consuming sending WTinyLFU<Value>) {
        self.policy = Mutex(policy)
    }
}
