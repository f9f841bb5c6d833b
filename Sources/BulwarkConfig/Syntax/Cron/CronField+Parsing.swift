extension CronField {
    /// Parses this field's text: a comma-separated list of `*`, `n`, `a-b`, `*/step`, `a-b/step` or
    /// `a/step` (from `a` to the end of the range), where values may be names for months and weekdays.
    ///
    /// - Parameters:
    ///   - text: The field's text, e.g. `1-5` or `*/15`.
    ///   - expression: The whole expression, for the error.
    /// - Returns: The allowed values; for day-of-week, 7 is stored as 0 (Sunday).
    func parse(_ text: Substring, in expression: String) throws(CronParseError) -> CronFieldSet {
        var set = CronFieldSet()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw failure("empty item in list '\(text)'", in: expression) }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let range = parts[0]
            var step = 1
            if parts.count == 2 {
                guard let parsed = Self.number(parts[1]), parsed >= 1 else {
                    throw failure("step '\(parts[1])' must be a whole number of at least 1", in: expression)
                }
                step = parsed
            }
            let lower: Int
            let upper: Int
            if range == "*" {
                (lower, upper) = (bounds.lowerBound, bounds.upperBound)
            } else if let dash = range.firstIndex(of: "-") {
                lower = try value(range[..<dash], in: expression)
                upper = try value(range[range.index(after: dash)...], in: expression)
                guard lower <= upper else { throw failure("range \(range) runs backwards", in: expression) }
            } else {
                lower = try value(range, in: expression)
                upper = parts.count == 2 ? bounds.upperBound : lower
            }
            for value in stride(from: lower, through: upper, by: step) {
                set.insert(self == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        return set
    }

    /// One value: a number within ``bounds`` or one of ``valueNames`` (any case).
    private func value(_ text: Substring, in expression: String) throws(CronParseError) -> Int {
        let parsed: Int
        if let number = Self.number(text) {
            parsed = number
        } else if let index = valueNames.firstIndex(of: text.lowercased()) {
            parsed = bounds.lowerBound + index
        } else if text.isEmpty {
            throw failure("a value is missing", in: expression)
        } else {
            let expected = valueNames.isEmpty ? "a number" : "a number or \(valueNameKind)"
            throw failure("'\(text)' is not \(expected)", in: expression)
        }
        guard bounds.contains(parsed) else {
            throw failure("\(parsed) is out of range \(bounds.lowerBound)-\(bounds.upperBound)", in: expression)
        }
        return parsed
    }

    /// `text` as a non-negative decimal number, or nil if it has anything but ASCII digits.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }

    /// An error for `expression` that names this field.
    private func failure(_ problem: String, in expression: String) -> CronParseError {
        CronParseError(expression: expression, problem: "\(label): \(problem)")
    }
}
