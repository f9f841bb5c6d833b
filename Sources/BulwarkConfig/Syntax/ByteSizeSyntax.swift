/// Parses sizes in configuration files: `512`, `64KB`, `64KiB`, `10MB`, `1GiB`. Decimal units (KB, MB, GB)
/// are powers of 1000 and binary units (KiB, MiB, GiB) powers of 1024, as their names say; `k`, `m` and
/// `g` alone are binary, as in nginx.
public enum ByteSizeSyntax {
    static let units: [(suffix: String, bytes: Int)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
        ("kb", 1_000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("tb", 1_000_000_000_000),
        ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1),
    ]

    /// The number of bytes `text` names.
    public static func parse(_ text: String) -> Result<Int, SyntaxProblem> {
        let lowered = text.trimmingWhitespace().lowercased()
        let digits = lowered.prefix { $0.isNumber || $0 == "." }
        let suffix = lowered.dropFirst(digits.count).trimmingPrefixWhitespace()
        guard let number = Double(digits), number >= 0 else {
            return .failure(SyntaxProblem("'\(text)' is not a size: expected a number of bytes or a number with a unit, e.g. 64KiB, 10MB, 1GiB"))
        }
        let multiplier: Int
        if suffix.isEmpty {
            multiplier = 1
        } else if let unit = units.first(where: { $0.suffix == suffix }) {
            multiplier = unit.bytes
        } else {
            return .failure(SyntaxProblem("'\(text)' has an unknown unit '\(suffix)': use B, KB, MB, GB, KiB, MiB or GiB"))
        }
        let bytes = number * Double(multiplier)
        guard bytes < 9.2e18 else { return .failure(SyntaxProblem("'\(text)' is too large")) }
        return .success(Int(bytes))
    }
}

extension Substring {
    func trimmingPrefixWhitespace() -> String {
        String(drop { $0.isWhitespace })
    }
}
