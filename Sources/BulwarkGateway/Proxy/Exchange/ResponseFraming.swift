import NIOHTTP1

/// How an upstream response says where its body ends, and whether the gateway can relay its framing.
enum ResponseFraming {
    /// A response `Transfer-Encoding` other than a single `chunked` or `identity` (RFC 9112 §6.1, §7.1)
    /// cannot be relayed: the gateway re-frames bodies and would mislabel any other coding. Returns
    /// what is wrong, or nil.
    static func problem(_ head: HTTPResponseHead) -> String? {
        let codings = head.headers["Transfer-Encoding"]
        guard !codings.isEmpty else { return nil }
        let tokens = codings.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters().lowercased() }.filter { !$0.isEmpty }
        // A single chunked is relayed re-chunked; identity alone means "read until close" (RFC 9112 §6.3).
        if tokens == ["chunked"] || (!tokens.isEmpty && tokens.allSatisfy { $0 == "identity" }) { return nil }
        return "Transfer-Encoding \(tokens.joined(separator: ", ")) is neither a single chunked nor identity"
    }

    /// Whether a response says where its body ends (RFC 9112 §6.3); otherwise it is read until the
    /// upstream closes, re-framed to the client, and its connection is not reused.
    static func isFramed(_ head: HTTPResponseHead, method: HTTPMethod) -> Bool {
        let code = head.status.code
        if method == .HEAD || code < 200 || code == 204 || code == 304 { return true }
        return head.headers.contains(name: "Content-Length") || head.headers.contains(name: "Transfer-Encoding")
    }
}
