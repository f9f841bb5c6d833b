import Logging
import NIOCore
import Synchronization

/// Keeps one ``HealthChecker`` loop per upstream in force that has `health_check:`: a reload that
/// rebuilds an upstream stops the old loop and starts the new one; a kept upstream keeps its loop
/// (which probes whatever targets it has at each round).
final class HealthCheckSupervisor: Sendable {
    private let group: any EventLoopGroup
    private let logger: Logger
    private let loops = Mutex<[ObjectIdentifier: Task<Void, Never>]>([:])

    init(group: any EventLoopGroup, logger: Logger) {
        self.group = group
        self.logger = logger
    }

    /// Makes the running loops match `clusters`.
    func run(for clusters: [UpstreamCluster]) {
        let wanted = clusters.filter { $0.settings.healthCheck != nil }
        let keys = Set(wanted.map(ObjectIdentifier.init))
        loops.withLock { loops in
            for (key, task) in loops where !keys.contains(key) {
                task.cancel()
                loops[key] = nil
            }
            for cluster in wanted where loops[ObjectIdentifier(cluster)] == nil {
                guard let check = cluster.settings.healthCheck else { continue }
                let checker = HealthChecker(cluster: cluster, settings: check, group: group, logger: logger)
                loops[ObjectIdentifier(cluster)] = Task { await checker.run() }
            }
        }
    }

    /// Stops every loop (shutdown).
    func stopAll() {
        let tasks = loops.withLock { loops in
            defer { loops.removeAll() }
            return Array(loops.values)
        }
        for task in tasks { task.cancel() }
    }
}
