import Synchronization

/// One independently locked part of a ``MemoryCache``: a ``WTinyLFU`` policy behind a mutex.
final class MemoryCacheShard<Value: Sendable>: Sendable {
    let policy: Mutex<WTinyLFU<Value>>

    init(_ policy: consuming sending WTinyLFU<Value>) {
        self.policy = Mutex(policy)
    }
}
