import BulwarkTestSupport
import Foundation
import NIOCore
import NIOPosix

/// A response as read off the wire.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// A deliberately plain HTTP/1.1 client over a raw TCP socket, so tests can send exactly the bytes they
/// mean (ambiguous framing, spoofed headers) and read exactly what comes back.
enum RawHTTP {
    /// Sends `request` bytes and reads until the server closes (or `timeout`), then parses one response.
    static func send(_ request: String, port: Int, timeout: Duration = .seconds(10)) async throws -> RawResponse {
        let bytes = try await exchange(Array(request.utf8), port: port, timeout: timeout)
        return try parse(bytes)
    }

    /// A request with `Connection: close`.
    static func request(
        _ method: String = "GET", _ path: String, port: Int, headers: [(String, String)] = [], body: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> RawResponse {
        // A `Host` among `headers` replaces the default one.
        let host = headers.first { $0.0.lowercased() == "host" }?.1 ?? "127.0.0.1:\(port)"
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (name, value) in headers where name.lowercased() != "host" { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return try await send(text, port: port, timeout: timeout)
    }

    static func exchange(_ bytes: [UInt8], port: Int, timeout: Duration) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    var received: [UInt8] = []
                    do {
                        for try await var buffer in inbound { received += buffer.readBytes(length: buffer.readableBytes) ?? [] }
                    } catch {
                        if received.isEmpty { throw error }
                    }
                    return received
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let received = first else {
                throw TestFailure("no complete answer from 127.0.0.1:\(port) within \(timeout)")
            }
            return received
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> RawResponse {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("incomplete response: \(text.prefix(200))") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestFailure("bad status line: \(lines[0])") }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = String(text[split.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.contains("chunked") }) {
            body = dechunk(body)
        }
        return RawResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let end = rest.index(start, offsetBy: size, limitedBy: rest.endIndex) ?? rest.endIndex
            out += rest[start..<end]
            rest = rest[end...].dropFirst(2)
        }
        return out
    }
}
