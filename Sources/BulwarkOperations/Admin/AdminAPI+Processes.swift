import Foundation
import BulwarkSupervisor

/// `GET /api/processes` and `POST /api/processes/{name}/restart`.
extension AdminAPI {
    func processes() -> AdminResponse {
        .json(APIBody.Processes(supervisor?.status()))
    }

    func processAction(path: String, _ request: AdminRequest) -> AdminResponse {
        let parts = path.dropFirst("/api/processes/".count).split(separator: "/", omittingEmptySubsequences: false)
        let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        guard parts.count == 2, parts[1] == "restart" else {
            return .error(.notFound, "no admin endpoint \(request.path); use POST /api/processes/{name}/restart")
        }
        return only([.POST], request) {
            guard let supervisor else {
                return .error(.notFound, "no supervised processes: this is bulwark serve; bulwark run supervises processes")
            }
            guard supervisor.restart(group: name) else {
                let known = supervisor.status().map(\.name)
                return .error(.notFound, "no process group named '\(name)'" + (known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))"))
            }
            monitor.logger.notice("rolling restart requested", metadata: ["group": "\(name)"])
            return .json(["restarting": name], status: .accepted)
        }
    }
}
