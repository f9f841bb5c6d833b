/// What a header field means to the gateway, found without allocating or hashing: the names it cares
/// about are few, so a switch on the first byte and an ASCII case-insensitive compare of the few
/// candidates beats lower-casing every name. The names are those of ``HopByHopHeaders/fixed`` and
/// ``TrustBoundary``; a test checks that this classification and those lists agree.
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
    /// Removed from every client request (``TrustBoundary/alwaysRemoved`` and every `X-Forwarded-*`
    /// that is not believed from trusted proxies).
    case gatewayOwned
    case forwardedFor
    case forwardedProto
    case forwardedHost

    /// The meaning of the field called `name` (any case).
    static func of(_ name: String) -> HeaderName {
        var name = name
        return name.withUTF8 { bytes in
            guard let first = bytes.first else { return .other }
            switch first | 0x20 {
            case UInt8(ascii: "c"):
                if matches(bytes, "connection") { return .connection }
                if matches(bytes, "content-length") { return .contentLength }
            case UInt8(ascii: "k"):
                if matches(bytes, "keep-alive") { return .hopByHop }
            case UInt8(ascii: "p"):
                if matches(bytes, "proxy-connection") || matches(bytes, "proxy-authenticate") || matches(bytes, "proxy-authorization") {
                    return .hopByHop
                }
            case UInt8(ascii: "t"):
                if matches(bytes, "te") || matches(bytes, "trailer") { return .hopByHop }
                if matches(bytes, "transfer-encoding") { return .transferEncoding }
                if matches(bytes, "true-client-ip") { return .gatewayOwned }
            case UInt8(ascii: "u"):
                if matches(bytes, "upgrade") { return .hopByHop }
            case UInt8(ascii: "h"):
                if matches(bytes, "host") { return .host }
                if matches(bytes, "http2-settings") { return .hopByHop }
            case UInt8(ascii: "e"):
                if matches(bytes, "expect") { return .expect }
            case UInt8(ascii: "f"):
                if matches(bytes, "forwarded") { return .gatewayOwned }
            case UInt8(ascii: "x"):
                return ofX(bytes)
            default:
                break
            }
            return .other
        }
    }

    private static func ofX(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderName {
        if matches(bytes, "x-request-id") { return .requestID }
        if hasPrefix(bytes, "x-forwarded-") {
            if matches(bytes, "x-forwarded-for") { return .forwardedFor }
            if matches(bytes, "x-forwarded-proto") { return .forwardedProto }
            if matches(bytes, "x-forwarded-host") { return .forwardedHost }
            return .gatewayOwned
        }
        if matches(bytes, "x-real-ip") || matches(bytes, "x-original-url") || matches(bytes, "x-rewrite-url") || matches(bytes, "x-client-ip") {
            return .gatewayOwned
        }
        return .other
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ lowered: StaticString) -> Bool {
        bytes.count == lowered.utf8CodeUnitCount && hasPrefix(bytes, lowered)
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ lowered: StaticString) -> Bool {
        let count = lowered.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let expected = lowered.utf8Start
        for index in 0..<count {
            var byte = bytes[index]
            if byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
            if byte != expected[index] { return false }
        }
        return true
    }
}
