/// Hides secrets in text meant for people (configuration errors, logs): the password in a URL's user
/// info, a URL's query and fragment, and the whole value of a key whose name says it holds a secret.
///
/// ```
/// SecretRedaction.redactingURL("redis://app:hunter2@cache:6379/0")   // redis://app:***@cache:6379/0
/// SecretRedaction.redactingURL("https://hooks.example/x?token=abc")  // https://hooks.example/x?***
/// SecretRedaction.shown("abc123", at: "backup.s3.secret_key")        // ***
/// ```
///
/// Redaction errs on the side of hiding: when it cannot tell where the user info ends (an `@` in the
/// query, a password holding `/`), everything from the first `:` after the scheme to the last `@` is
/// hidden. Every function is pure and idempotent.
public enum SecretRedaction {
    /// What replaces a hidden part.
    public static let mask = "***"

    /// Words that mark a key as holding a secret, matched against the words of its last component.
    static let secretWords: Set<String> = ["password", "passwd", "pwd", "token", "secret", "key", "credential", "credentials", "apikey"]

    /// Whether the key at `keyPath` (`backup.s3.secret_key`, `webhooks[0].token`) names a secret: one of
    /// the words of its last component (split at `_`, `-` and `.`) is password, token, secret or key.
    /// The `value` of an upstream's `credentials: { header, value }` is a secret too.
    public static func isSecretKey(_ keyPath: String) -> Bool {
        if keyPath.hasSuffix(".credentials.value") { return true }
        var last = Substring(keyPath.split(separator: ".").last ?? "")
        if let bracket = last.firstIndex(of: "[") { last = last[..<bracket] }
        return last.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" }).contains { secretWords.contains(String($0)) }
    }

    /// `value` as it may be shown in a message about the key at `keyPath`: `***` for a secret key;
    /// a value that may be a URL (it holds `://`, `@`, `?` or `#`) redacted as one URL, even with blanks
    /// inside; anything else as it is.
    public static func shown(_ value: String, at keyPath: String) -> String {
        if isSecretKey(keyPath) { return mask }
        return value.contains(where: { "@?#".contains($0) }) || value.contains("://") ? redactingURL(value) : value
    }

    /// One URL with the password of its user info, its query and its fragment hidden:
    /// `scheme://user:***@host:port/path?***#***`. A user name alone is kept. Text without `://` is
    /// treated as starting at the authority (`user:secret@host` → `user:***@host`).
    public static func redactingURL(_ url: String) -> String {
        let prefixEnd = url.range(of: "://")?.upperBound ?? url.startIndex
        let scheme = url[..<prefixEnd]
        var rest = url[prefixEnd...]
        var userInfo = ""
        if let at = rest.lastIndex(of: "@") {
            let candidate = rest[..<at]
            if let colon = candidate.firstIndex(of: ":") {
                userInfo = String(candidate[..<colon]) + ":" + mask + "@"
                rest = rest[rest.index(after: at)...]
            } else if !candidate.contains(where: { "/?#".contains($0) }) {
                userInfo = String(candidate) + "@"
                rest = rest[rest.index(after: at)...]
            }
        }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<query] + "\(rest[query])\(mask)"
        }
        return String(scheme) + userInfo + String(rest)
    }

    /// `text` with every URL in it (a run of non-blank characters holding `scheme://`) redacted as by
    /// ``redactingURL(_:)``. Quotes and closing punctuation around a URL are kept.
    public static func redactingURLs(in text: String) -> String {
        guard text.contains("://") || text.contains("@") else { return text }
        var output = ""
        var word = ""
        func flush() {
            output += word.contains("://") || looksLikeUserInfo(word) ? redactingWord(word) : word
            word = ""
        }
        for character in text {
            if character.isWhitespace {
                flush()
                output.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return output
    }

    /// `user:secret@host` without a scheme (a mistyped URL).
    private static func looksLikeUserInfo(_ word: String) -> Bool {
        guard let at = word.lastIndex(of: "@") else { return false }
        return word[..<at].contains(":")
    }

    /// Redacts the URL inside `word`, keeping leading text before the scheme (`'`, `(`, `got:`) and
    /// trailing quotes and punctuation.
    private static func redactingWord(_ word: String) -> String {
        var core = Substring(word)
        var trailing = ""
        while let last = core.last, "'\"),;.>]".contains(last), !(last == "]" && core.contains("[")) {
            trailing = String(last) + trailing
            core = core.dropLast()
        }
        var leading = Substring("")
        if let scheme = core.range(of: "://") {
            let start = core[..<scheme.lowerBound].lastIndex { !($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            if let start {
                leading = core[...start]
                core = core[core.index(after: start)...]
            }
        } else if let first = core.first, "'\"(<[".contains(first) {
            leading = core.prefix(1)
            core = core.dropFirst()
        }
        return String(leading) + redactingURL(String(core)) + trailing
    }
}
