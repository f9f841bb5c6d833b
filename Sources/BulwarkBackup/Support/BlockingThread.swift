import Foundation

/// Runs blocking work (a child process, a pipe read) on a thread of its own, so that it never holds one
/// of Swift concurrency's few cooperative threads, which `bulwark serve` shares with the admin API and
/// the health monitor, for the minutes a dump can take.
enum BlockingThread {
    /// Runs `work` on a new thread called `name` and returns its result.
    static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.name = name
            thread.start()
        }
    }
}
