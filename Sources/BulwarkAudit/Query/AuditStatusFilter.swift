/// Which response statuses a query keeps: one status (`404`) or a class (`5xx`).
public struct AuditStatusFilter: Sendable, Hashable, CustomStringConvertible {
    enum Form: Sendable, Hashable {
        case exact(Int)
        case hundreds(Int)
    }

    let form: Form

    /// Exactly `status`.
    public static func exact(_ status: Int) -> AuditStatusFilter { AuditStatusFilter(form: .exact(status)) }

    /// The class `digit`xx (`.class(5)` keeps 500…599).
    public static func `class`(_ digit: Int) -> AuditStatusFilter { AuditStatusFilter(form: .hundreds(digit)) }

    /// Parses `404` or `5xx` (`5XX`); nil for anything else.
    public init?(_ text: String) {
        let text = text.lowercased()
        if text.count == 3, text.hasSuffix("xx"), let digit = Int(text.prefix(1)), (1...5).contains(digit) {
            form = .hundreds(digit)
        } else if text.count == 3, let status = Int(text), (100...599).contains(status) {
            form = .exact(status)
        } else {
            return nil
        }
    }

    private init(form: Form) { self.form = form }

    /// The statuses kept, as a half-open range.
    public var range: Range<Int> {
        switch form {
        case .exact(let status): status..<(status + 1)
        case .hundreds(let digit): (digit * 100)..<(digit * 100 + 100)
        }
    }

    /// Whether `status` is kept (a missing status never is).
    public func matches(_ status: Int?) -> Bool {
        guard let status else { return false }
        return range.contains(status)
    }

    /// `404` or `5xx`.
    public var description: String {
        switch form {
        case .exact(let status): "\(status)"
        case .hundreds(let digit): "\(digit)xx"
        }
    }
}
