import Foundation
import NIOSSL

/// Reading the PEM files TLS settings name, and describing why one cannot be used, without dumping
/// BoringSSL's error stack.
enum TLSFiles {
    /// The file's bytes.
    static func read(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// `cannot read /x.pem: no such file`, `/x.pem is not a PEM certificate chain`…
    static func describe(_ error: any Error, file: String, expecting what: String) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError: return "cannot read \(file): no such file"
            case NSFileReadNoPermissionError: return "cannot read \(file): permission denied"
            default: return "cannot read \(file): \(nsError.localizedDescription)"
            }
        }
        if nsError.domain == NSPOSIXErrorDomain { return "cannot read \(file): \(String(cString: strerror(Int32(nsError.code))).lowercased())" }
        return "\(file) is not \(what)"
    }

    /// SHA-256-free fingerprint of a file's content: its bytes (files are small), or nil when unreadable.
    static func contents(_ path: String) -> Data? { try? read(path) }

    /// `2026-12-01 10:00:00 UTC`.
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// A SAN IP address's 4 or 16 bytes as text.
    static func ipAddress(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4: return bytes.map(String.init).joined(separator: ".")
        case 16:
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        default: return nil
        }
    }
}
