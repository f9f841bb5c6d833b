import BulwarkAuth
import BulwarkConfig
import Logging
import NIOCore
import NIOHTTP1
import Resilience

/// Applies a route's rate-limit classes to a request. The in-memory store answers synchronously on the
/// event loop; a shared store (Redis) answers asynchronously and the answer hops back to the loop. A
/// store that fails admits the request (limits degrade, traffic does not) and logs why.
final class RouteRateLimiter: Sendable {
    enum Backend: Sendable {
        case memory(InMemoryRateLimitStore)
        case shared(any RateLimitStore)
    }

    typealias Outcome = [(policy: RateLimitPolicy, decision: RateLimitDecision)]

    let backend: Backend
    let logger: Logger
    /// The shared store when it can decide some requests without waiting (leased limits).
    private let localDecisions: (any LocallyDecidingRateLimitStore)?
    /// One task executor per event loop, for decisions that wait for the shared store.
    private let executors: [ObjectIdentifier: EventLoopTaskExecutor]

    init(backend: Backend, eventLoops: [any EventLoop], logger: Logger) {
        self.backend = backend
        self.logger = logger
        if case .shared(let store) = backend { localDecisions = store as? any LocallyDecidingRateLimitStore } else { localDecisions = nil }
        executors = Dictionary(uniqueKeysWithValues: eventLoops.map { (ObjectIdentifier($0), EventLoopTaskExecutor($0)) })
    }

    /// The key for `rateLimit` and this request (stores keep each policy's keys apart themselves):
    /// `ip:<client address>`, or for a `header:NAME` class `h:` and the first 16 bytes of the SHA-256 of
    /// the header's value in lowercase hex (34 characters whatever the value's size, and the same on
    /// every instance, so a shared store sees one key). A missing or empty header falls back to the
    /// client address.
    /// A `claim:NAME` class keys on the verified token's claim the same way, under `c:`; a request
    /// without it (no token, or no such claim) falls back to the client address too.
    static func key(for rateLimit: RateLimitClass, clientAddress: String, headers: HTTPHeaders, claims: Claims? = nil) -> String {
        switch rateLimit.key {
        case .clientIP:
            return "ip:\(clientAddress)"
        case .header(let name):
            if let value = headers.first(name: name), !value.isEmpty { return headerKey(value) }
            return "ip:\(clientAddress)"
        case .claim(let name):
            if let value = claims?[name]?.text, !value.isEmpty { return digestKey(value, prefix: UInt8(ascii: "c")) }
            return "ip:\(clientAddress)"
        }
    }

    /// A prefix (made once per route, see ``RouteRateLimit``) that changes with the policy's numbers (limit, window, burst, algorithm), so a reload that
    /// changes a policy under the same name starts its keys afresh, as Envoy's token buckets do: a raised
    /// limit is not held back by state counted under the old one. Unchanged policies keep their state.
    static func generation(of policy: RateLimitPolicy) -> String {
        "\(policy.limit)/\(policy.window.components.seconds).\(policy.window.components.attoseconds / 1_000_000_000)/\(policy.burst)/\(policy.algorithm.rawValue)|"
    }

    /// Bytes of the SHA-256 digest kept in a header key: 128 bits, so that distinct values collide
    /// with negligible probability.
    static let headerKeyDigestBytes = 16

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `h:` and the hex of the first ``headerKeyDigestBytes`` bytes of SHA-256(`value` as UTF-8).
    static func headerKey(_ value: String) -> String {
        digestKey(value, prefix: UInt8(ascii: "h"))
    }

    /// `prefix`, `:` and the hex of the first ``headerKeyDigestBytes`` bytes of SHA-256(`value`).
    private static func digestKey(_ value: String, prefix: UInt8) -> String {
        let digest = SHA256Digest.hash(value.utf8)
        let hex = hexDigits
        return String(unsafeUninitializedCapacity: 2 + 2 * headerKeyDigestBytes) { buffer in
            buffer[0] = prefix
            buffer[1] = UInt8(ascii: ":")
            for index in 0..<headerKeyDigestBytes {
                buffer[2 + 2 * index] = hex[Int(digest[index] >> 4)]
                buffer[3 + 2 * index] = hex[Int(digest[index] & 0x0f)]
            }
            return 2 + 2 * headerKeyDigestBytes
        }
    }

    /// Decides every class of a route for a request; `completion` runs on `eventLoop`.
    func check(
        _ limits: [RouteRateLimit], clientAddress: String, headers: HTTPHeaders, claims: Claims? = nil,
        on eventLoop: any EventLoop, completion: @escaping @Sendable (Outcome) -> Void
    ) {
        let keys = limits.map { $0.keyPrefix + Self.key(for: $0.rateLimitClass, clientAddress: clientAddress, headers: headers, claims: claims) }
        switch backend {
        case .memory(let store):
            completion(zip(limits, keys).map { ($0.rateLimitClass.policy, store.decide(key: $1, policy: $0.rateLimitClass.policy)) })
        case .shared(let store):
            // Leased limits are usually decided from this instance's lease: then no task, no hop.
            if let local = localDecisions {
                var outcome: Outcome = []
                for (limit, key) in zip(limits, keys) {
                    let policy = limit.rateLimitClass.policy
                    guard let decision = local.decideLocally(key: key, policy: policy, cost: 1) else { break }
                    outcome.append((policy, decision))
                }
                if outcome.count == limits.count { return completion(outcome) }
                return acquire(Array(limits.dropFirst(outcome.count)), keys: Array(keys.dropFirst(outcome.count)), after: outcome, from: store, on: eventLoop, completion: completion)
            }
            acquire(limits, keys: keys, after: [], from: store, on: eventLoop, completion: completion)
        }
    }

    /// Asks the shared store for the classes not decided yet (`decided` were); `completion` runs on `eventLoop`.
    private func acquire(
        _ limits: [RouteRateLimit], keys: [String], after decided: Outcome, from store: any RateLimitStore,
        on eventLoop: any EventLoop, completion: @escaping @Sendable (Outcome) -> Void
    ) {
        let logger = self.logger
        // On the connection's loop: the decision resumes there after its round trip, with no hand-off
        // to the cooperative pool and back.
        Task(executorPreference: executors[ObjectIdentifier(eventLoop)] ?? EventLoopTaskExecutor(eventLoop)) {
            var outcome = decided
            for (limit, key) in zip(limits, keys) {
                let policy = limit.rateLimitClass.policy
                do {
                    outcome.append((policy, try await store.acquire(key: key, policy: policy, cost: 1)))
                } catch {
                    logger.warning("rate-limit store failed; admitting the request", metadata: ["policy": "\(policy.name)", "error": "\(error)"])
                }
            }
            let result = outcome
            if eventLoop.inEventLoop { completion(result) } else { eventLoop.execute { completion(result) } }
        }
    }
}

/// A rate-limit class as a route applies it, with its store-key prefix (``RouteRateLimiter/generation(of:)``)
/// made once when the route is built rather than for every request.
struct RouteRateLimit: Sendable {
    let rateLimitClass: RateLimitClass
    let keyPrefix: String
}
