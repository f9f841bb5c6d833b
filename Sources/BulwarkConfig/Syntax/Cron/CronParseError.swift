/// Thrown by ``CronSchedule/init(parsing:)`` when an expression is not a valid cron expression.
///
/// The ``problem`` names the field at fault by position and name, and says what was expected:
///
/// ```
/// invalid cron expression "0 25 * * *": field 2 (hour): 25 is out of range 0-23
/// ```
public struct CronParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The expression as it was given.
    public let expression: String
    /// What is wrong, e.g. `field 2 (hour): 25 is out of range 0-23`.
    public let problem: String

    /// Creates an error for `expression`, explained by `problem`.
    public init(expression: String, problem: String) {
        self.expression = expression
        self.problem = problem
    }

    /// `invalid cron expression "<expression>": <problem>`.
    public var description: String {
        "invalid cron expression \"\(expression)\": \(problem)"
    }
}
