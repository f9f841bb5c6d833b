import BulwarkPostgres
import Foundation

/// `GET /api/postgres`: every `postgres:` cluster — its servers (role, lag, health, connections, queue),
/// listeners and the slowest recent statements — as ``PostgresStatus`` JSON (`{"clusters":[…]}`).
/// Without `postgres:` it answers `{"clusters":[]}` (not 404: the dashboard then hides its panel).
extension AdminAPI {
    func postgresStatus() -> AdminResponse {
        .json(postgres?.status(now: monitor.date) ?? PostgresStatus(clusters: []))
    }
}
