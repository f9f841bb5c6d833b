import Metrics

/// The cache's metrics, labelled with its namespace (`cache`):
///
/// | metric | labels | meaning |
/// | --- | --- | --- |
/// | `bulwark_cache_requests_total` | `tier` (memory, redis), `result` (hit, miss) | lookups per tier |
/// | `bulwark_cache_loads_total` | `outcome` (success, failure) | loader calls |
/// | `bulwark_cache_collapsed_loads_total` | | callers that waited for a load already under way |
/// | `bulwark_cache_stale_served_total` | `reason` (revalidate, error) | stale values served |
/// | `bulwark_cache_evictions_total` | `tier` | values the memory tier dropped for room (victims, and candidates admission refused) |
/// | `bulwark_cache_entries`, `bulwark_cache_bytes` | `tier` | memory tier size |
/// | `bulwark_cache_backend` | `tier` | 1 while the tier is in use, 0 while it is skipped |
public struct CacheTelemetry: Sendable {
    let memoryHits, memoryMisses, sharedHits, sharedMisses: Counter
    let loadSuccesses, loadFailures, collapsedLoads: Counter
    let staleForRevalidation, staleForError: Counter
    let evictions: Counter
    let entries, bytes: Gauge
    let memoryBackend, sharedBackend: Gauge

    /// Metrics for the cache `name`, on `factory` (the bootstrapped `MetricsSystem` by default).
    public init(name: String, factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: label, dimensions: [("cache", name)] + dimensions, factory: factory)
        }
        func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
            Gauge(label: label, dimensions: [("cache", name)] + dimensions, factory: factory)
        }
        memoryHits = counter("bulwark_cache_requests_total", [("tier", "memory"), ("result", "hit")])
        memoryMisses = counter("bulwark_cache_requests_total", [("tier", "memory"), ("result", "miss")])
        sharedHits = counter("bulwark_cache_requests_total", [("tier", "redis"), ("result", "hit")])
        sharedMisses = counter("bulwark_cache_requests_total", [("tier", "redis"), ("result", "miss")])
        loadSuccesses = counter("bulwark_cache_loads_total", [("outcome", "success")])
        loadFailures = counter("bulwark_cache_loads_total", [("outcome", "failure")])
        collapsedLoads = counter("bulwark_cache_collapsed_loads_total")
        staleForRevalidation = counter("bulwark_cache_stale_served_total", [("reason", "revalidate")])
        staleForError = counter("bulwark_cache_stale_served_total", [("reason", "error")])
        evictions = counter("bulwark_cache_evictions_total", [("tier", "memory")])
        entries = gauge("bulwark_cache_entries", [("tier", "memory")])
        bytes = gauge("bulwark_cache_bytes", [("tier", "memory")])
        memoryBackend = gauge("bulwark_cache_backend", [("tier", "memory")])
        sharedBackend = gauge("bulwark_cache_backend", [("tier", "redis")])
    }

    func sharedTierInUse(_ inUse: Bool) { sharedBackend.record(inUse ? 1 : 0) }
}
