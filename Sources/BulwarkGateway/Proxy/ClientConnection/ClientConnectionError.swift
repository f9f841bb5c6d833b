import NIOHTTP1

/// What went wrong on a client connection, by the answer it gets.
enum ClientConnectionError: Equatable, Sendable {
    /// The request head was not complete within `server.header_timeout` (408).
    case headTimedOut
    /// The head was larger than `server.max_header_bytes` (431).
    case headerFieldsTooLarge
    /// Both Content-Length and Transfer-Encoding (400).
    case ambiguousFraming
    /// Any other bytes the HTTP/1.1 parser refused, described (400).
    case malformedRequest(String)
    /// Not an HTTP error (the socket failed): nothing can be answered.
    case connectionFailed

    /// Classifies an error caught on the client's pipeline.
    init(_ error: any Error) {
        switch error as? HTTPParserError {
        case .headerOverflow?: self = .headerFieldsTooLarge
        case .unexpectedContentLength?: self = .ambiguousFraming
        case .some(let parserError): self = .malformedRequest("\(parserError)")
        case nil: self = .connectionFailed
        }
    }

    /// The status the client is answered with; nil when it cannot be answered.
    var status: HTTPResponseStatus? {
        switch self {
        case .headTimedOut: .requestTimeout
        case .headerFieldsTooLarge: .requestHeaderFieldsTooLarge
        case .ambiguousFraming, .malformedRequest: .badRequest
        case .connectionFailed: nil
        }
    }
}
