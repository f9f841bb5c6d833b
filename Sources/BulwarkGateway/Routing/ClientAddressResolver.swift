import BulwarkConfig

/// Finds the client's IP address. `X-Forwarded-For` is believed only when the direct peer is a trusted
/// proxy; then the list is walked from the right, skipping trusted proxies, and the first untrusted
/// address is the client (nginx's `real_ip_recursive on`). A spoofed header from anyone else is ignored.
public struct ClientAddressResolver: Sendable {
    /// The trusted proxy ranges.
    public let trustedProxies: [AddressRange]

    /// Creates a resolver.
    public init(trustedProxies: [AddressRange]) {
        self.trustedProxies = trustedProxies
    }

    /// Whether `address` is a trusted proxy.
    public func isTrusted(_ address: String) -> Bool {
        guard !trustedProxies.isEmpty, let bytes = IPAddressBytes.parse(address) else { return false }
        return trustedProxies.contains { $0.contains(bytes: bytes) }
    }

    /// The client address for a request from `peer` carrying these `X-Forwarded-For` values.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard !forwardedFor.isEmpty, isTrusted(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters() }
        var nearest = peer
        for hop in hops.reversed() {
            guard IPAddressBytes.parse(hop) != nil else { return nearest }   // garbage: believe nothing further
            if !isTrusted(hop) { return hop }
            nearest = hop
        }
        return nearest
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
