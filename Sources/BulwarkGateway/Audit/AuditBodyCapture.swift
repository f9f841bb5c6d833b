import Foundation

/// The captured request body an audit record keeps (`audit.capture_body`), with the `audit.redact`
/// fields masked. Pure: the bytes, whether they are the whole body, and the names in; the text out.
///
/// - A complete JSON body has every field named in `redact` (at any depth, names compared
///   case-insensitively) replaced by `"[REDACTED]"`.
/// - A complete `application/x-www-form-urlencoded` body has those keys' values replaced by `[REDACTED]`.
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
        guard let data = try? JSONSerialization.data(withJSONObject: masked, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func mask(_ value: Any, names: Set<String>) -> Any {
        if let object = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, field) in object {
                result[key] = names.contains(key.lowercased()) ? Self.mask : mask(field, names: names)
            }
            return result
        }
        if let array = value as? [Any] { return array.map { mask($0, names: names) } }
        return value
    }

    /// A whole urlencoded form with the named keys' values masked (keys compared decoded, case-insensitively).
    static func maskedForm(_ text: String, names: Set<String>) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let key = pair.prefix { $0 != "=" }
            let decoded = String(key).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(key)
            guard names.contains(decoded.lowercased()) else { return String(pair) }
            return "\(key)=\(mask)"
        }.joined(separator: "&")
    }
}
