/// `ready.log`: the regular expression a line of an instance's output must match for it to be ready.
struct ReadyLinePattern: @unchecked Sendable {
    // `Regex<AnyRegexOutput>` is an immutable value that Swift does not mark Sendable (its output type
    // erases captures); matching never mutates it, so sharing it with the output thread is safe.
    private let regex: Regex<AnyRegexOutput>

    /// Nil when `pattern` does not compile (the configuration check rejects those).
    init?(_ pattern: String) {
        guard let regex = try? Regex(pattern) else { return nil }
        self.regex = regex
    }

    /// Whether some part of `line` matches.
    func matches(_ line: String) -> Bool {
        (try? regex.firstMatch(in: line)) != nil
    }
}
