import BulwarkConfig
import Logging
import NIOCore

/// Probes every target of one upstream every `interval` and feeds the results to each target's
/// ``ActiveHealth``. Runs until its task is cancelled.
struct HealthChecker: Sendable {
    let cluster: UpstreamCluster
    let settings: HealthCheckSettings
    let group: any EventLoopGroup
    let logger: Logger

    func run() async {
        let timeout = TimeAmount.nanoseconds(settings.timeout.nanoseconds)
        while !Task.isCancelled {
            await withTaskGroup(of: Void.self) { tasks in
                for target in cluster.targets {
                    tasks.addTask {
                        guard let result = try? await HealthProbe.run(target: target, path: settings.path, timeout: timeout, on: group.next()).get() else { return }
                        guard let change = target.probeFinished(result) else { return }
                        let metadata: Logger.Metadata = [
                            "upstream": "\(cluster.name)", "target": "\(target.target.authority)", "probe": "\(result.detail)",
                        ]
                        if change {
                            logger.notice("target healthy again", metadata: metadata)
                        } else {
                            logger.warning("target unhealthy: failed \(settings.unhealthyThreshold) health checks in a row", metadata: metadata)
                        }
                    }
                }
            }
            try? await Task.sleep(for: settings.interval)
        }
    }
}
