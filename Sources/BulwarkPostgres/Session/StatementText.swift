/// Statement text for logs and `/api/postgres`.
///
/// ```swift
/// StatementText.masked("select * from t where name = 'ann' and id = 42  -- hot")
/// // "select * from t where name = ? and id = ? -- hot"
/// StatementText.truncated(String(repeating: "x", count: 5), limit: 3)   // "xxx…"
/// ```
public enum StatementText {
    /// The statement with its literals replaced by `?`, for logging without parameters.
    ///
    /// Masked: `'…'` strings (with `''` escapes), `E'…'` strings (with backslash escapes), `B'…'`, `X'…'`
    /// and `N'…'` strings, `$tag$…$tag$` and `$$…$$` bodies, and numbers that are not part of an identifier
    /// (`123`, `1.5`, `.5`, `1e10`, `0x1F`, `1_000`). Kept: `$1` placeholders, identifiers, `"quoted
    /// identifiers"`, `--` and `/* */` comments (nested ones too). Whitespace runs become one space (one
    /// newline after a `--` comment, so the comment does not swallow what follows), and the ends are
    /// trimmed. A literal left open masks everything to the end. Never traps; `masked(masked(x)) ==
    /// masked(x)`.
    public static func masked(_ sql: String) -> String {
        var masker = StatementMasker(sql)
        return masker.run()
    }

    /// `sql` cut to at most `limit` characters, with "…" appended when it was cut.
    public static func truncated(_ sql: String, limit: Int = 1_000) -> String {
        guard let end = sql.index(sql.startIndex, offsetBy: max(0, limit), limitedBy: sql.endIndex),
              end < sql.endIndex
        else { return sql }
        return String(sql[..<end]) + "…"
    }
}
