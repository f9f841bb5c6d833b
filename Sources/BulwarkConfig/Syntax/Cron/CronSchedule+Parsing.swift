extension CronSchedule {
    /// What each macro stands for.
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    /// The five field texts of `expression`, with a macro expanded first.
    static func fieldTexts(of expression: String) throws(CronParseError) -> [Substring] {
        let words = expression.split(whereSeparator: \.isWhitespace)
        if words.count == 1, words[0].hasPrefix("@") {
            guard let expansion = macros[words[0].lowercased()] else {
                let known = macros.keys.sorted().joined(separator: ", ")
                throw CronParseError(expression: expression, problem: "unknown macro \(words[0]); expected one of \(known)")
            }
            return expansion.split(separator: " ")
        }
        guard words.count == 5 else {
            throw CronParseError(
                expression: expression,
                problem: "expected 5 fields (minute hour day-of-month month day-of-week), got \(words.count)"
            )
        }
        return words
    }
}
