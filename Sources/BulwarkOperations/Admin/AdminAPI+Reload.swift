import BulwarkGateway

/// `POST /api/config/reload`: re-reads the configuration file, as SIGHUP does.
/// 200 `{"status": "applied" | "unchanged", "changes": [...], "needs_restart": [...], "problems": []}`,
/// 422 with `"status": "rejected"` and every problem with its key path (nothing changed), or 409 when
/// the gateway was started without a file.
extension AdminAPI {
    func reloadConfiguration() -> AdminResponse {
        guard let reloader else {
            return .error(.conflict, "the gateway was started without a configuration file (--upstream): there is nothing to reload")
        }
        let outcome = reloader.reload()
        let body = APIBody.Reload(
            status: outcome.status.rawValue,
            path: reloader.path,
            changes: outcome.changes,
            needs_restart: outcome.needsRestart,
            problems: outcome.problems.map { .init(key_path: $0.keyPath, problem: $0.problem) }
        )
        return .json(body, status: outcome.status == .rejected ? .unprocessableEntity : .ok)
    }
}

extension APIBody {
    /// The answer of `POST /api/config/reload`.
    struct Reload: Encodable {
        var status: String
        var path: String
        var changes: [String]
        var needs_restart: [String]
        var problems: [Problem]

        struct Problem: Encodable {
            var key_path: String
            var problem: String
        }
    }
}
