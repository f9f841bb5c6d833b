import Synchronization

/// The latest result of every dependency check, written by the ``DependencyCheckService``s and read
/// by the monitor, in the order the checks were registered.
public final class DependencyResults: Sendable {
    private let order: [String]
    private let latest = Mutex<[String: Observation.DependencyObservation]>([:])

    /// A store for the checks named `names`, in that order.
    public init(names: [String]) { self.order = names }

    /// Keeps `observation` as the latest of its check; returns the one it replaced.
    @discardableResult
    public func record(_ observation: Observation.DependencyObservation) -> Observation.DependencyObservation? {
        latest.withLock { $0.updateValue(observation, forKey: observation.name) }
    }

    /// The latest result of every check that has run at least once, in registration order.
    public var all: [Observation.DependencyObservation] {
        let results = latest.withLock { $0 }
        return order.compactMap { results[$0] }
    }
}
