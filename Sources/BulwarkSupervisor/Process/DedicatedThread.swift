import Foundation

/// Runs blocking work (a `waitpid`, a pipe read) on a thread of its own, so that it never holds one of
/// Swift concurrency's few cooperative threads, which the supervisor shares with the gateway and the
/// admin API, for as long as a child lives.
enum DedicatedThread {
    /// Runs `work` on a new thread called `name` and returns its result.
    static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: work())
            }
            thread.name = name
            thread.start()
        }
    }
}
