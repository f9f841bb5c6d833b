/// The Lua scripts behind ``RedisRateLimitStore``. Each decides one request atomically in one round trip
/// on the server's clock (`TIME`, microseconds), stores its state under the key with an expiry equal to
/// the time until the allowance is whole, and returns `{allowed, remaining, reset µs, retry µs}` (retry is
/// -1 when the cost exceeds the burst).
///
/// Arguments: `ARGV[1]` emission interval in µs (`window / limit`), `ARGV[2]` burst, `ARGV[3]` cost.
enum RateLimitScripts {
    static let gcra = RedisScript("""
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local interval = tonumber(ARGV[1])
    local burst = tonumber(ARGV[2])
    local cost = tonumber(ARGV[3])
    local tolerance = interval * burst
    local tat = tonumber(redis.call('GET', KEYS[1])) or now
    if tat < now then tat = now end
    local new_tat = tat + interval * cost
    local allow_at = new_tat - tolerance
    if allow_at <= now then
      local ttl = math.ceil((new_tat - now) / 1000)
      if ttl < 1 then ttl = 1 end
      redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
      return {1, math.floor((now + tolerance - new_tat) / interval), new_tat - now, 0}
    end
    local remaining = math.floor((now + tolerance - tat) / interval)
    if remaining < 0 then remaining = 0 end
    local retry = allow_at - now
    if cost > burst then retry = -1 end
    return {0, remaining, tat - now, retry}
    """)

    /// A lease for ``LeasingRateLimitStore``: takes up to `ARGV[3]` requests of the same GCRA allowance
    /// (same key, same state) at once and returns `{granted, remaining after, reset µs, retry µs}`
    /// (granted 0 with the retry time when none is available).
    static let gcraLease = RedisScript("""
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local interval = tonumber(ARGV[1])
    local burst = tonumber(ARGV[2])
    local want = tonumber(ARGV[3])
    local tolerance = interval * burst
    local tat = tonumber(redis.call('GET', KEYS[1])) or now
    if tat < now then tat = now end
    local available = math.floor((now + tolerance - tat) / interval)
    if available <= 0 then
      return {0, 0, tat - now, tat + interval - tolerance - now}
    end
    local granted = math.min(want, available)
    local new_tat = tat + interval * granted
    local ttl = math.ceil((new_tat - now) / 1000)
    if ttl < 1 then ttl = 1 end
    redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
    return {granted, available - granted, new_tat - now, 0}
    """)

    static let tokenBucket = RedisScript("""
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local interval = tonumber(ARGV[1])
    local burst = tonumber(ARGV[2])
    local cost = tonumber(ARGV[3])
    local capacity = interval * burst
    local state = redis.call('HMGET', KEYS[1], 'c', 't')
    local credit = capacity
    if state[1] then
      local elapsed = now - tonumber(state[2])
      if elapsed < 0 then elapsed = 0 end
      credit = math.min(capacity, tonumber(state[1]) + elapsed)
    end
    local needed = interval * cost
    local allowed = 0
    if credit >= needed then
      credit = credit - needed
      allowed = 1
    end
    local ttl = math.ceil((capacity - credit) / 1000)
    if ttl < 1 then ttl = 1 end
    redis.call('HSET', KEYS[1], 'c', string.format('%.0f', credit), 't', string.format('%.0f', now))
    redis.call('PEXPIRE', KEYS[1], ttl)
    local retry = 0
    if allowed == 0 then
      if cost > burst then retry = -1 else retry = needed - credit end
    end
    return {allowed, math.floor(credit / interval), capacity - credit, retry}
    """)
}
