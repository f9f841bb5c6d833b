/// The answer of `GET /api/postgres`: `{"clusters":[…]}`, one entry per `postgres:` cluster, sorted by name.
public struct PostgresStatus: Sendable, Hashable, Codable {
    /// Every configured cluster; empty when there is no `postgres:` section.
    public var clusters: [PostgresClusterStatus]

    /// A status.
    public init(clusters: [PostgresClusterStatus]) {
        self.clusters = clusters
    }
}
