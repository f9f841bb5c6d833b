/// Expands `${NAME}` and `${NAME:-default}` in configuration strings from the environment, so secrets and
/// deployment knobs stay out of the file. `$$` is a literal `$`.
public enum EnvironmentSubstitution {
    /// `text` with every reference replaced, or the first problem (an unset variable without a default,
    /// or an unterminated `${`).
    public static func expand(_ text: String, environment: [String: String]) -> Result<String, SyntaxProblem> {
        guard text.contains("$") else { return .success(text) }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            guard let close = text[next...].firstIndex(of: "}") else {
                return .failure(SyntaxProblem("unterminated '${' in '\(text)'"))
            }
            let reference = text[text.index(after: next)..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = reference.range(of: ":-") {
                name = reference[..<separator.lowerBound]
                fallback = reference[separator.upperBound...]
            } else {
                name = reference
                fallback = nil
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                return .failure(SyntaxProblem("environment variable \(name) is not set (write ${\(name):-default} to give a default)"))
            }
            index = text.index(after: close)
        }
        return .success(output)
    }
}
