extension AlertRules {
    /// How far the shipper may fall behind before `audit_shipper_lag` opens: 5 minutes.
    public static let auditShipperLagLimitSeconds: Double = 300

    /// `audit_unavailable`: the journal does not take records (disk full, file too large, directory
    /// unwritable), `critical`: audited requests get 503 under `on_failure: reject`, or pass unrecorded
    /// under `pass`. It resolves once a write succeeds again. The subject is `journal`.
    ///
    /// `audit_shipper_lag`: the shipper to PostgreSQL is failing, or its oldest unshipped record is older
    /// than ``auditShipperLagLimitSeconds``, `warning`: nothing is lost (the journal keeps every record
    /// and is queried for what the database lacks), but the database is behind. The subject is `shipper`.
    public static func auditConditions(for observation: Observation) -> [AlertCondition] {
        guard let audit = observation.audit else { return [] }
        var conditions: [AlertCondition] = []
        if !audit.journalAvailable {
            var message = "the audit journal does not take records: audited requests are refused with 503 (on_failure: reject) or pass unrecorded (pass)"
            if let failure = audit.journalFailure { message += " (last failure: \(failure))" }
            conditions.append(AlertCondition(rule: "audit_unavailable", subject: "journal", severity: .critical, value: 1, message: message))
        }
        if let shipper = audit.shipper, shipper.isFailing || shipper.lagSeconds > auditShipperLagLimitSeconds {
            var message = shipper.isFailing
                ? "the audit shipper cannot write to the database: \(shipper.lagEvents) records wait in the journal"
                : "the audit shipper is \(Int(shipper.lagSeconds)) s behind (\(shipper.lagEvents) records wait in the journal)"
            if shipper.isFailing, let error = shipper.lastError { message += " (last error: \(error))" }
            conditions.append(AlertCondition(rule: "audit_shipper_lag", subject: "shipper", severity: .warning, value: shipper.lagSeconds, message: message))
        }
        return conditions
    }
}
