import Foundation

/// `bulwark backup prune`.
extension BackupManager {
    /// The retention plan for the local catalogue (and the S3 copies, which follow it).
    public func pruningPlan() throws -> (plan: RetentionPlan, manifests: [String: BackupManifest]) {
        let manifests = try catalogue.all()
        let candidates = manifests.map { RetentionCandidate(id: $0.id, createdAt: $0.createdAt, verified: $0.verification?.passed == true) }
        return (retention.plan(for: candidates, calendar: Self.utc), Dictionary(uniqueKeysWithValues: manifests.map { ($0.id, $0) }))
    }

    /// Applies retention unless `dryRun`; returns the plan.
    @discardableResult
    public func prune(dryRun: Bool) async throws -> RetentionPlan {
        let (plan, manifests) = try pruningPlan()
        guard !dryRun else { return plan }
        for candidate in plan.delete {
            guard let manifest = manifests[candidate.id] else { continue }
            try manifest.checkPaths()   // the catalogue skips unsafe manifests; this keeps S3 keys safe too
            if let s3, manifest.locations.contains(where: { $0.hasPrefix("s3://") }) {
                try await s3.delete(key: manifest.file)
                try await s3.delete(key: "\(manifest.id).json")
            }
            try catalogue.delete(manifest)
            logger.notice("backup pruned", metadata: ["id": "\(manifest.id)"])
        }
        return plan
    }
}
