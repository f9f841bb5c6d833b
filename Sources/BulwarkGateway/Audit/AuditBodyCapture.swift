import Foundation

/// The captured request body an audit record keeps (`audit.capture_body`), with the `audit.redact`
/// fields masked. Pure: the bytes, whether they are the whole body, and the names in; the text out.
///
/// - A complete JSON body has every field whose name contains one in `redact` (at any depth, compared
///   case-insensitively: `db_password` too) replaced by `"[REDACTED]"`; when a name still occurs in a
///   string value left (JSON inside a string, a `"password=x"` text), the body is ``withheld``.
/// - A complete `application/x-www-form-urlencoded` body has those keys' values replaced by `[REDACTED]`
///   (`user[password]` too; pairs split on `&` and `;`); a name left in a value withholds it.
/// - Any other body, or one cut at the capture limit, is kept only when none of the names occurs in it
///   (case-insensitively); otherwise it is replaced by ``withheld``.
///
/// ```swift
/// AuditBodyCapture.text(of: Array(#"{"user":"ann","password":"x"}"#.utf8), complete: true,
///                       contentType: "application/json", redact: ["password"])
/// // {"password":"[REDACTED]","user":"ann"}
/// ```
enum AuditBodyCapture {
    /// What replaces a masked value.
    static let mask = "[REDACTED]"
    /// What replaces a body that cannot be masked field by field and may hold a redacted field.
    static let withheld = "[withheld: may contain a redacted field]"

    /// The text kept for `bytes` (the first bytes of a body; `complete` when they are all of it).
    static func text(of bytes: [UInt8], complete: Bool, contentType: String?, redact: [String]) -> String {
        let names = Set(redact.map { $0.lowercased() })
        let mediaType = contentType.map { String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if complete, names.isEmpty { return String(decoding: bytes, as: UTF8.self) }
        if complete, mediaType == "application/json" || mediaType.hasSuffix("+json") || mediaType.isEmpty,
           let masked = maskedJSON(bytes, names: names) {
            return masked
        }
        if complete, mediaType == "application/x-www-form-urlencoded" {
            return maskedForm(String(decoding: bytes, as: UTF8.self), names: names)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let lowered = text.lowercased()
        return names.contains(where: { lowered.contains($0) }) ? withheld : text
    }

    /// A whole JSON document with the named fields masked, or nil when `bytes` are not JSON.
    static func maskedJSON(_ bytes: [UInt8], names: Set<String>) -> String? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        let masked = mask(value, names: names)
        if containsName(masked, names: names) { return withheld }
        guard let data = try? JSONSerialization.data(withJSONObject: masked, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func mask(_ value: Any, names: Set<String>) -> Any {
        if let object = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, field) in object {
                result[key] = matches(key, names) ? Self.mask : mask(field, names: names)
            }
            return result
        }
        if let array = value as? [Any] { return array.map { mask($0, names: names) } }
        return value
    }

    /// A whole urlencoded form with the named keys' values masked (keys compared decoded, case-insensitively).
    static func maskedForm(_ text: String, names: Set<String>) -> String {
        var leftInValue = false
        let masked = text.split(omittingEmptySubsequences: false) { $0 == "&" || $0 == ";" }.map { pair -> String in
            let key = pair.prefix { $0 != "=" }
            guard !matches(decoded(key), names) else { return "\(key)=\(mask)" }
            if matches(decoded(pair.dropFirst(key.count)), names) { leftInValue = true }
            return String(pair)
        }.joined(separator: "&")
        return leftInValue ? withheld : masked
    }

    /// Whether `name` contains one of `names` (lower case), compared case-insensitively.
    private static func matches(_ name: String, _ names: Set<String>) -> Bool {
        let lowered = name.lowercased()
        return names.contains { lowered.contains($0) }
    }

    /// Whether any string left in `value` (keys of masked fields aside) contains one of `names`.
    private static func containsName(_ value: Any, names: Set<String>) -> Bool {
        if let object = value as? [String: Any] {
            return object.contains { key, field in
                (field as? String) != Self.mask && (matches(key, names) || containsName(field, names: names))
            }
        }
        if let array = value as? [Any] { return array.contains { containsName($0, names: names) } }
        if let text = value as? String { return matches(text, names) }
        return false
    }

    private static func decoded(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}
