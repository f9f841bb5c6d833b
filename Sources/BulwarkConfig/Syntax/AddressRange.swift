import Foundation

/// An IP address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`) or a single address (`192.0.2.7`),
/// used for `server.trusted_proxies`.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address as 16 bytes (IPv4 is mapped into `::ffff:0:0/96`).
    let network: [UInt8]
    /// Prefix length over the 16 bytes.
    let prefixLength: Int
    /// The text it was parsed from.
    public let description: String

    /// Parses `ADDRESS[/PREFIX]`.
    public static func parse(_ text: String) -> Result<AddressRange, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = IPAddressBytes.parse(String(parts[0])) else {
            return .failure(SyntaxProblem("'\(text)' is not an IP address or CIDR range, e.g. 10.0.0.0/8 or fd00::/8"))
        }
        let isV4 = !parts[0].contains(":")
        let maximum = isV4 ? 32 : 128
        var prefix = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else {
                return .failure(SyntaxProblem("'\(text)' has an invalid prefix length (0–\(maximum))"))
            }
            prefix = value
        }
        return .success(AddressRange(network: bytes, prefixLength: isV4 ? prefix + 96 : prefix, description: trimmed))
    }

    /// Whether `address` (textual IPv4 or IPv6) lies in the range.
    public func contains(_ address: String) -> Bool {
        guard let bytes = IPAddressBytes.parse(address) else { return false }
        return contains(bytes: bytes)
    }

    /// Whether the 16-byte address lies in the range.
    public func contains(bytes: [UInt8]) -> Bool {
        var remaining = prefixLength
        var index = 0
        while remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if bytes[index] & mask != network[index] & mask { return false }
            remaining -= 8
            index += 1
        }
        return true
    }
}

/// Textual IP addresses as 16 bytes, IPv4 mapped into IPv6.
public enum IPAddressBytes {
    /// The 16 bytes of `text`, or nil when it is not an IP address.
    public static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") { return parseV6(text) }
        guard let v4 = parseV4(Substring(text)) else { return nil }
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4
    }

    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseV6(_ raw: String) -> [UInt8]? {
        var text = Substring(raw)
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseV4(piece) else { return nil }
                    bytes += v4
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 16 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
