import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One entry of a server certificate's subjectAltName: a DNS name or an IP address, parsed from the
/// string a caller gave.
enum CertificateHost: Sendable, Hashable {
    /// A lower-case DNS name, possibly a wildcard (`*.example.com`).
    case dns(String)
    /// An IP address in network byte order: 4 octets (IPv4) or 16 (IPv6).
    case ip([UInt8])

    /// Parses `text`: an IPv4 or IPv6 address (brackets allowed, `[::1]`) becomes an IP entry, anything
    /// else must be an ASCII DNS name (letters, digits, `-`, `_`; labels of 1–63 characters; at most 253
    /// characters; an optional leading `*.`). A trailing dot is dropped.
    init(parsing text: String) throws {
        var host = Substring(text)
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        if let address = Self.ipAddress(String(host)) {
            self = .ip(address)
            return
        }
        if host.hasSuffix(".") {
            host = host.dropLast()
        }
        let name = host.lowercased()
        guard Self.isValidDNSName(name) else {
            throw CertificateFactoryError(
                .invalidHost,
                "'\(text)' is neither an IP address nor a DNS name (ASCII letters, digits and '-' in dot-separated labels; write internationalised names in their xn-- form)"
            )
        }
        self = .dns(name)
    }

    /// The subjectAltName entry.
    var generalName: GeneralName {
        switch self {
        case .dns(let name): .dnsName(name)
        case .ip(let octets): .ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets)))
        }
    }

    /// The text for a subject common name.
    var commonName: String {
        switch self {
        case .dns(let name):
            return name
        case .ip(let octets) where octets.count == 4:
            return octets.map(String.init).joined(separator: ".")
        case .ip(let octets):
            return Self.presentation(octets, family: AF_INET6) ?? ""
        }
    }

    private static func ipAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    private static func presentation(_ octets: [UInt8], family: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let result = octets.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard result != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func isValidDNSName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels[0] == "*" {
            labels.removeFirst()
        }
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { byte in
                    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }
}
