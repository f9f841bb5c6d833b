#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Network errors in words a person reads: the pieces shared by the credential client's, the dependency
/// probes' and the gateway's TLS messages, so each says `connection refused` or `certificate verify
/// failed` instead of NIO's nested error dump or BoringSSL's stack with its source paths.
public enum NetworkErrorText {
    /// `text` (an error's description) in words: its `(errno: N)` as the system says it, else its
    /// BoringSSL reasons after `tls failed: `, else `text` unchanged.
    public static func words(in text: String) -> String {
        if let description = errnoDescription(in: text) { return description }
        let reasons = tlsReasons(in: text)
        return reasons.isEmpty ? text : "tls failed: " + reasons.joined(separator: "; ")
    }

    /// The reasons in a BoringSSL error stack, lower case, without codes or source paths, each once:
    /// `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /path:12` →
    /// `["certificate verify failed"]`. Empty when `text` holds no such stack.
    public static func tlsReasons(in text: String) -> [String] {
        var reasons: [String] = []
        for part in text.split(separator: "error:").dropFirst() {
            let fields = part.split(separator: ":")
            guard fields.count >= 4, let reason = fields[3].split(separator: " ").first else { continue }
            let phrase = reason.lowercased().replacingOccurrences(of: "_", with: " ")
            if !reasons.contains(phrase) { reasons.append(phrase) }
        }
        return reasons
    }

    /// The system's words for the `(errno: N)` NIO's socket errors end with (`connection refused`), or
    /// nil when `text` has none.
    public static func errnoDescription(in text: String) -> String? {
        guard let range = text.range(of: "(errno: "), let number = Int32(text[range.upperBound...].prefix { $0.isNumber }) else {
            return nil
        }
        return String(cString: strerror(number)).lowercased()
    }
}
