import NIOCore

/// One kind of request in a run's mix.
public struct LoadRequest: Sendable {
    /// Relative weight in the mix (≥ 1): a request of weight 8 is sent 8 times for every 2 of one with weight 2.
    public var weight: Int
    /// The method (`GET`, `POST`, …).
    public var method: String
    /// Path and query (`/api/items?page=2`).
    public var pathAndQuery: String
    /// Extra headers in order. A `Host` header here replaces the one taken from the target.
    public var headers: [(name: String, value: String)]
    /// The body, sent with `Content-Length`.
    public var body: [UInt8]?

    /// Creates a request kind.
    public init(weight: Int = 1, method: String = "GET", pathAndQuery: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.weight = weight
        self.method = method
        self.pathAndQuery = pathAndQuery
        self.headers = headers
        self.body = body
    }

    /// The request's bytes on the wire, built once before the run.
    func encoded(hostHeader: String) -> ByteBuffer {
        var head = "\(method) \(pathAndQuery) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.name.lowercased() == "host" }) { head += "Host: \(hostHeader)\r\n" }
        if !headers.contains(where: { $0.name.lowercased() == "user-agent" }) { head += "User-Agent: bulwark-bench\r\n" }
        for header in headers where header.name.lowercased() != "content-length" {
            head += "\(header.name): \(header.value)\r\n"
        }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var buffer = ByteBuffer(string: head)
        if let body { buffer.writeBytes(body) }
        return buffer
    }
}

/// The mix of a run, ready to send: encoded requests picked by smooth weighted round robin (nginx's
/// algorithm), so a mix of 8:2 sends exactly 8 of 10 as the first kind, evenly spread, with no random
/// numbers and no allocation per pick.
struct RequestMix {
    /// A request ready to write.
    struct Prepared {
        var bytes: ByteBuffer
        /// False for `HEAD`: its answer has no body.
        var expectsBody: Bool
    }

    let prepared: [Prepared]
    private let weights: [Int]
    private let totalWeight: Int
    private var current: [Int]

    init(_ requests: [LoadRequest], hostHeader: String) {
        prepared = requests.map { Prepared(bytes: $0.encoded(hostHeader: hostHeader), expectsBody: $0.method.uppercased() != "HEAD") }
        weights = requests.map { max(1, $0.weight) }
        totalWeight = weights.reduce(0, +)
        current = Array(repeating: 0, count: requests.count)
    }

    /// The index of the next request to send.
    mutating func next() -> Int {
        var best = 0
        for index in weights.indices {
            current[index] += weights[index]
            if current[index] > current[best] { best = index }
        }
        current[best] -= totalWeight
        return best
    }
}
