import BulwarkRedis

extension TieredCache {
    /// The bus message kinds of a cache.
    enum InvalidationKind: String {
        case key, prefix, tag, all
    }

    /// Removes `key` from both tiers here and from the memory tier of the other instances. Returns
    /// whether either tier here had it.
    @discardableResult
    public func invalidate(key: String) async -> Bool {
        invalidations.add(1, ordering: .releasing)
        let inMemory = memory?.remove(key) != nil
        let inRedis = (await shared?.remove([key]) ?? 0) > 0
        await publish(.key, key)
        recordMemorySize()
        return inMemory || inRedis
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
        invalidations.add(1, ordering: .releasing)
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
        invalidations.add(1, ordering: .releasing)
        let fromMemory = removeFromMemory(tag: tag)
        let fromRedis = await shared?.remove(tag: tag)
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
        invalidations.add(1, ordering: .releasing)
        memory?.removeAll()
        recordMemorySize()
    }

    /// Removes every key starting with `prefix` from this instance's memory tier only, without waiting:
    /// for a caller on an event loop, before it calls ``invalidate(prefix:)`` off the loop.
    @discardableResult
    public func removeFromMemory(prefix: String) -> Int {
        invalidations.add(1, ordering: .releasing)
        guard let memory else { return 0 }
        let removed = memory.removeAll { $0.hasPrefix(prefix) }
        recordMemorySize()
        return removed
    }

    /// Removes `key` from this instance's memory tier only, without waiting: for a caller on an event loop,
    /// before it calls ``invalidate(key:)`` off the loop.
    public func removeFromMemory(key: String) {
        invalidations.add(1, ordering: .releasing)
        memory?.remove(key)
        recordMemorySize()
    }

    /// Removes every value tagged `tag` from this instance's memory tier (a walk over its entries).
    func removeFromMemory(tag: String) -> Int {
        guard let memory else { return 0 }
        let removed = memory.removeAll { _, value in value.tags.contains(tag) }
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
            invalidations.add(1, ordering: .releasing)
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
