import Foundation

extension AuditLog {
    /// Drops what is older than the retention: database partitions wholly older than `now − retention`,
    /// and journal segments wholly older than that which are shipped (all of them without a database).
    /// A failure is logged and tried again at the next run.
    public func applyRetention(now: Date) async {
        let cutoff = now.addingTimeInterval(-configuration.retention.auditSeconds)
        var shippedThrough: UInt64?
        if let store {
            do {
                let dropped = try await store.removeEvents(olderThan: cutoff)
                if !dropped.isEmpty { logger.notice("audit retention dropped database partitions", metadata: ["partitions": "\(dropped.joined(separator: ","))"]) }
            } catch {
                logger.warning("audit retention could not drop database partitions", metadata: ["error": "\(error)"])
            }
            shippedThrough = (try? AuditShipPosition.read(in: configuration.journal).sequence) ?? 0
        }
        do {
            let removed = try journal.removeSegments(shippedThrough: shippedThrough, olderThan: cutoff)
            if !removed.isEmpty { logger.notice("audit retention removed journal segments", metadata: ["segments": "\(removed.joined(separator: ","))"]) }
        } catch {
            logger.warning("audit retention could not remove journal segments", metadata: ["error": "\(error)"])
        }
    }
}

extension Duration {
    /// Whole and fractional seconds.
    var auditSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
