import BulwarkRedis

extension TieredCache {
    /// The bus message kinds of a cache.
    enum InvalidationKind: String {
        case key, prefix, tag, all
    }

    /// Removes `key` from both tiers here and from the memory tier of the other instances.
    public func invalidate(key: String) async {
        memory?.remove(key)
        await shared?.remove([key])
        await publish(.key, key)
        recordMemorySize()
    }

    /// Removes every key that starts with `prefix` from both tiers (Redis with `SCAN` and `UNLINK`, never
    /// `KEYS`) and from the other instances' memory tiers. Returns how many were removed here: the larger
    /// of the memory and Redis counts, since a key is usually in both.
    @discardableResult
    public func invalidate(prefix: String) async -> Int {
        await invalidate(prefix: prefix, where: { _ in true })
    }

    /// Removes every key that starts with `prefix` and satisfies `predicate` from both tiers. The other
    /// instances drop every key with the prefix from their memory tier (they read the rest again from
    /// Redis). Returns how many were removed here.
    @discardableResult
    public func invalidate(prefix: String, where predicate: @escaping @Sendable (String) -> Bool) async -> Int {
        let fromMemory = memory.map { memory in memory.removeAll { $0.hasPrefix(prefix) && predicate($0) } } ?? 0
        recordMemorySize()
        let fromRedis = await shared?.remove(prefix: prefix, where: predicate) ?? 0
        await publish(.prefix, prefix)
        return max(fromMemory, fromRedis)
    }

    /// Removes every value tagged `tag` from both tiers here and from the other instances' memory tiers.
    /// Returns how many were removed here (the larger of the two tiers' counts).
    @discardableResult
    public func invalidate(tag: String) async -> Int {
        var fromMemory = removeFromMemory(tag: tag)
        let fromRedis = await shared?.remove(tag: tag)
        // Keys this instance never read are not in its tag index but may be in memory through another path.
        if let keys = fromRedis?.keys, let memory {
            for key in keys where memory.remove(key) != nil { fromMemory += 1 }
        }
        await publish(.tag, tag)
        recordMemorySize()
        return max(fromMemory, fromRedis?.removed ?? 0)
    }

    /// Empties this instance's memory tier and asks the others to do the same. Redis keeps its values
    /// (use ``invalidate(prefix:)`` with `""` to remove them too).
    public func invalidateMemoryEverywhere() async {
        clearMemory()
        await publish(.all, "")
    }

    /// Empties this instance's memory tier only.
    public func clearMemory() {
        memory?.removeAll()
        tagIndex.withLock { $0.removeAll() }
        recordMemorySize()
    }

    /// Removes every key starting with `prefix` from this instance's memory tier only, without waiting:
    /// for a caller on an event loop, before it calls ``invalidate(prefix:)`` off the loop.
    @discardableResult
    public func removeFromMemory(prefix: String) -> Int {
        guard let memory else { return 0 }
        let removed = memory.removeAll { $0.hasPrefix(prefix) }
        recordMemorySize()
        return removed
    }

    func removeFromMemory(tag: String) -> Int {
        guard let memory else { return 0 }
        let keys = tagIndex.withLock { $0.removeValue(forKey: tag) } ?? []
        var removed = 0
        for key in keys {
            // Only values still carrying the tag: the key may have been stored again without it.
            if let value = memory.get(key, now: clock.now()), value.tags.contains(tag) {
                memory.remove(key)
                removed += 1
            }
        }
        recordMemorySize()
        return removed
    }

    func publish(_ kind: InvalidationKind, _ value: String) async {
        guard let bus else { return }
        do {
            try await bus.publish(topic: busTopic, kind: kind.rawValue, value: value)
        } catch {
            logger.warning("cache: could not tell the other instances of an invalidation (\(kind.rawValue)); their memory copies live to their expiry: \(error)")
        }
    }

    /// Applies another instance's invalidation to this instance's memory tier.
    func received(_ event: InvalidationEvent) {
        switch event {
        case .resynchronize:
            clearMemory()
        case .message(let message):
            switch InvalidationKind(rawValue: message.kind) {
            case .key: memory?.remove(message.value)
            case .prefix: _ = removeFromMemory(prefix: message.value)
            case .tag: _ = removeFromMemory(tag: message.value)
            case .all: clearMemory()
            case nil: logger.debug("cache: ignored an invalidation of unknown kind '\(message.kind)'")
            }
            recordMemorySize()
        }
    }
}
