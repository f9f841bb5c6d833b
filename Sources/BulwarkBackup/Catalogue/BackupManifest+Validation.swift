/// The names a manifest may use as paths. A manifest is only data read from the backup directory, so its
/// `id` (which names `<id>.json`) and `file` are checked before either becomes a path, an S3 key or a
/// file to delete: they must stay single names inside the directory.
extension BackupManifest {
    /// Why `name` cannot be a file name in the backup directory, or nil when it can: 1–200 characters
    /// from `A-Z a-z 0-9 . _ -`, not starting with `.` (no hidden, `.` or `..` names) and without `..`.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > 200 { return "is longer than 200 characters" }
        if let bad = name.unicodeScalars.first(where: { !Self.allowedNameCharacters.contains($0) }) {
            return "contains '\(bad.escaped(asASCII: true))' (only A-Z, a-z, 0-9, '.', '_' and '-' are allowed)"
        }
        if name.hasPrefix(".") { return "starts with '.'" }
        if name.contains("..") { return "contains '..'" }
        return nil
    }

    private static let allowedNameCharacters: Set<Unicode.Scalar> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)

    /// Every reason this manifest's `id` and `file` cannot be used as paths in the backup directory
    /// (empty when they can). The archive must not be a manifest (`.json`).
    var pathProblems: [String] {
        var problems: [String] = []
        if let problem = Self.nameProblem(id) { problems.append("id '\(id)' \(problem)") }
        if let problem = Self.nameProblem(file) { problems.append("file '\(file)' \(problem)") }
        if file.hasSuffix(".json") { problems.append("file '\(file)' names a manifest, not an archive") }
        return problems
    }

    /// Throws unless ``pathProblems`` is empty.
    func checkPaths() throws(BackupError) {
        let problems = pathProblems
        guard problems.isEmpty else {
            throw BackupError("manifest \(id.debugDescription) is not usable: \(problems.joined(separator: "; ")); it must name files inside the backup directory")
        }
    }
}
