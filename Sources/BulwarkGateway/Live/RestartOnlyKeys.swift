import BulwarkConfig

/// The keys a running gateway cannot change: the listeners (whether the public one speaks TLS, HTTP/2 or h2c), the thread count, where the access log
/// goes, and the parts built once at start (shared rate-limit store, admin API, alerts, backups, dependency checks,
/// the token revocation list: where it is kept, `max_ttl`, `on_store_failure`; the whole `audit:` section). The rest of `auth:` (issuers, key
/// sources, leeway, forwarded claims) reloads.
/// A reload that changes one of them keeps the value in force and reports the key as "needs restart".
enum RestartOnlyKeys {
    /// The key paths whose value differs between `running` and `loaded`, and `loaded` with those keys
    /// put back to their `running` values (everything else as loaded).
    static func separate(running: BulwarkConfiguration, loaded: BulwarkConfiguration) -> (needsRestart: [String], applicable: BulwarkConfiguration) {
        var applicable = loaded
        var changed: [String] = []
        func keep<Value: Equatable>(_ keyPath: String, _ path: WritableKeyPath<BulwarkConfiguration, Value>) {
            guard running[keyPath: path] != loaded[keyPath: path] else { return }
            changed.append(keyPath)
            applicable[keyPath: path] = running[keyPath: path]
        }
        keep("server.listen", \.server.listen)
        keep("server.threads", \.server.threads)
        keep("server.redirect_http", \.server.redirectHTTP)
        // What ALPN offers is part of the TLS context, and h2c part of how the listener reads a new
        // connection; the HTTP/2 limits reload live (connections accepted afterwards get them).
        keep("server.http2.enabled", \.server.http2.enabled)
        keep("server.http2.h2c", \.server.http2.h2c)
        // Certificates, versions and the client CA reload live; turning HTTPS on or off changes the listener.
        if (running.server.tls == nil) != (loaded.server.tls == nil) {
            changed.append("server.tls")
            applicable.server.tls = running.server.tls
            applicable.server.hsts = running.server.hsts
        }
        keep("server.access_log", \.server.accessLog)
        keep("admin", \.admin)
        keep("redis", \.redis)
        keep("cache", \.cache)
        keep("alerts", \.alerts)
        keep("backup", \.backup)
        keep("health", \.health)
        // The journal, its recorder and the actor header the trust boundary strips are built once.
        keep("audit", \.audit)
        keep("postgres", \.postgres)
        // The revocation store (in memory or in Redis) is built once; a file without `auth:` counts as
        // the in-memory list. Removing `auth:` still applies (verification stops) without adding a section
        // back; the store stays as it was built until a restart.
        // `max_ttl` and `on_store_failure` are fixed in it too.
        let runningRevocation = running.auth?.revocation ?? RevocationSettings()
        let loadedRevocation = loaded.auth?.revocation ?? RevocationSettings()
        if runningRevocation.usesRedis != loadedRevocation.usesRedis { changed.append("auth.revocation.redis") }
        if runningRevocation.maxTTL != loadedRevocation.maxTTL { changed.append("auth.revocation.max_ttl") }
        if runningRevocation.onStoreFailure != loadedRevocation.onStoreFailure { changed.append("auth.revocation.on_store_failure") }
        applicable.auth?.revocation = runningRevocation
        return (changed, applicable)
    }
}
