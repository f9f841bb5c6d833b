import NIOHTTP1

/// Builds the head sent upstream from a vetted client request, in one pass over its fields: hop-by-hop
/// fields and every field of the ``TrustBoundary`` are dropped, framing is the gateway's own
/// (`Content-Length` from the parsed length, or `Transfer-Encoding: chunked`), and the forwarding fields
/// (`X-Forwarded-*`, `X-Real-IP`, `X-Request-ID`) are set by the gateway.
enum UpstreamRequestHead {
    /// Who sent the request and what the gateway calls it.
    struct Origin {
        /// The direct peer's address.
        var peer: String
        /// Whether the peer is a trusted proxy (its `X-Forwarded-*` fields are kept and extended).
        var peerIsTrusted: Bool
        /// The resolved client address (`X-Real-IP`).
        var clientAddress: String
        var requestID: String
        /// `https` when the client connected over TLS, else `http` (`X-Forwarded-Proto`, unless a trusted
        /// proxy said otherwise).
        var scheme = "http"
        /// `server.tls.client_subject_header` and the verified client certificate's subject: the field is
        /// removed from the client's request and set only from the certificate.
        var clientSubject: (header: String, value: String?)?
        /// `auth.jwt.forward_claims`: the headers removed from the client's request and those set from
        /// the verified token's claims.
        var claims: ClaimFields?
    }

    /// The claim headers of a request (``ForwardedClaimHeaders``).
    struct ClaimFields {
        var removed: RemovedHeaderNames
        var fields: [(name: String, value: String)]
    }

    static func make(from head: HTTPRequestHead, vetted: VettedRequest, origin: Origin) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 6)
        var forwardedFor: [String] = []
        var forwardedProto: String?
        var forwardedHost: String?
        let named = vetted.connection.named
        let subjectHeader = origin.clientSubject?.header.lowercased().replacingOccurrences(of: "_", with: "-")
        for (name, value) in head.headers {
            switch HeaderName.of(name) {
            case .connection, .hopByHop, .contentLength, .transferEncoding, .gatewayOwned, .requestID:
                continue
            case .expect:
                continue   // the gateway answers `100-continue` itself; vetting refused any other expectation
            case .host:
                if vetted.absoluteForm { continue }
            case .forwardedFor:
                if origin.peerIsTrusted { forwardedFor.append(value) }
                continue
            case .forwardedProto:
                if origin.peerIsTrusted, forwardedProto == nil { forwardedProto = value }
                continue
            case .forwardedHost:
                if origin.peerIsTrusted, forwardedHost == nil { forwardedHost = value }
                continue
            case .other:
                if !named.isEmpty, named.contains(name.lowercased()) { continue }
                // `X_Client_Subject` too: CGI-style servers read `_` and `-` alike.
                if let subjectHeader, name.utf8.count == subjectHeader.utf8.count,
                   name.lowercased().replacingOccurrences(of: "_", with: "-") == subjectHeader { continue }
                if let claims = origin.claims, claims.removed.contains(name) { continue }
            }
            headers.add(name: name, value: value)
        }
        if vetted.absoluteForm, let host = vetted.host { headers.add(name: "Host", value: host) }
        // HTTP/2 clients may split Cookie into one field per cookie; HTTP/1.1 wants one (RFC 9113 §8.2.3).
        if head.version.major >= 2 {
            let cookies = headers["cookie"]
            if cookies.count > 1 {
                headers.remove(name: "cookie")
                headers.add(name: "Cookie", value: cookies.joined(separator: "; "))
            }
        }
        switch vetted.framing {
        case .none: break
        case .length(let length): headers.add(name: "Content-Length", value: String(length))
        case .chunked: headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        let existing = forwardedFor.joined(separator: ", ")
        headers.add(name: "X-Forwarded-For", value: existing.isEmpty ? origin.peer : "\(existing), \(origin.peer)")
        headers.add(name: "X-Forwarded-Proto", value: forwardedProto ?? origin.scheme)
        if let host = forwardedHost ?? vetted.host { headers.add(name: "X-Forwarded-Host", value: host) }
        headers.add(name: "X-Real-IP", value: origin.clientAddress)
        headers.add(name: "X-Request-ID", value: origin.requestID)
        if let subject = origin.clientSubject, let value = subject.value { headers.add(name: subject.header, value: value) }
        for field in origin.claims?.fields ?? [] { headers.add(name: field.name, value: field.value) }
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: vetted.target, headers: headers)
    }
}
