/// What a request header field means to the gateway, found without allocating: the names it cares about
/// are few, so a lookup by length and an ASCII case-insensitive compare beats lower-casing every name.
enum HeaderName: Equatable {
    case other
    case connection
    /// A fixed hop-by-hop field other than `Connection` and `Transfer-Encoding`.
    case hopByHop
    case contentLength
    case transferEncoding
    case host
    case expect
    case requestID
    /// Removed from every client request (``TrustBoundary/alwaysRemoved``).
    case gatewayOwned
    case forwardedFor
    case forwardedProto
    case forwardedHost

    private static let table: [Int: [(name: [UInt8], kind: HeaderName)]] = {
        var entries: [(String, HeaderName)] = [
            ("connection", .connection), ("content-length", .contentLength), ("transfer-encoding", .transferEncoding),
            ("host", .host), ("expect", .expect), ("x-request-id", .requestID),
            ("x-forwarded-for", .forwardedFor), ("x-forwarded-proto", .forwardedProto), ("x-forwarded-host", .forwardedHost),
        ]
        for name in HopByHopHeaders.fixed where name != "connection" && name != "transfer-encoding" { entries.append((name, .hopByHop)) }
        for name in TrustBoundary.alwaysRemoved { entries.append((name, .gatewayOwned)) }
        var table: [Int: [(name: [UInt8], kind: HeaderName)]] = [:]
        for (name, kind) in entries { table[name.utf8.count, default: []].append((Array(name.utf8), kind)) }
        return table
    }()

    private static let forwardedPrefix = Array(TrustBoundary.forwardedPrefix.utf8)

    /// The meaning of the field called `name` (any case).
    static func of(_ name: String) -> HeaderName {
        var name = name
        return name.withUTF8 { bytes in
            for candidate in table[bytes.count] ?? [] where equalsLowercased(bytes, candidate.name) { return candidate.kind }
            if bytes.count > forwardedPrefix.count, equalsLowercased(UnsafeBufferPointer(rebasing: bytes.prefix(forwardedPrefix.count)), forwardedPrefix) {
                return .gatewayOwned
            }
            return .other
        }
    }

    private static func equalsLowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ lowered: [UInt8]) -> Bool {
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
            if byte != lowered[index] { return false }
        }
        return true
    }
}
