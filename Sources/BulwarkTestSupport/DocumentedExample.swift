import Foundation

/// An example that README.md shows and a test compiles: the lines between `<!-- NAME:start -->` and
/// `<!-- NAME:end -->` in the README (code fences left out) and between `// NAME:start` and `// NAME:end`
/// in the test's own source, each trimmed, so a test can check that the two copies are the same.
public enum DocumentedExample {
    /// The README's copy and the source's copy of the example `name`. `sourceFile` is the test's
    /// `#filePath`; README.md is found at the repository root, three folders above the test target's.
    public static func copies(named name: String, sourceFile: String) throws -> (readme: [String], source: [String]) {
        let root = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: sourceFile), encoding: .utf8)
        let inReadme = lines(between: "<!-- \(name):start -->", and: "<!-- \(name):end -->", in: readme).filter { !$0.hasPrefix("```") }
        return (inReadme, lines(between: "// \(name):start", and: "// \(name):end", in: source))
    }

    /// The trimmed lines strictly between the first line ending with `start` and the next ending with `end`.
    static func lines(between start: String, and end: String, in text: String) -> [String] {
        let all = text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let from = all.firstIndex(where: { $0.hasSuffix(start) }),
              let to = all[from...].firstIndex(where: { $0.hasSuffix(end) }) else { return [] }
        return Array(all[(from + 1)..<to])
    }
}
