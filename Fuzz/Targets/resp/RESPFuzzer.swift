import BulwarkRedis
import NIOCore

/// Feeds the input to the RESP parser twice: whole, and in two pieces split at a point derived from the
/// input. Both runs must agree on every value, on whether and how parsing failed, and on the bytes left
/// over. The first byte picks the limits (defaults, or tiny ones that the input can reach).
@_cdecl("LLVMFuzzerTestOneInput")
public func respFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let small = bytes[0] & 1 == 1
    let input = bytes.dropFirst()
    let split = input.isEmpty ? 0 : Int(bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) } % UInt32(input.count + 1))
    func parser() -> RESPParser {
        small ? RESPParser(maximumDepth: 4, maximumLength: 64, maximumLineLength: 32) : RESPParser()
    }

    let whole = run(parser(), [input[...]])
    let pieces = run(parser(), [input.prefix(split), input.dropFirst(split)])
    if whole != pieces {
        fatalError("whole and split at \(split) disagree:\n  whole: \(whole)\n  split: \(pieces)")
    }
    return 0
}

/// What a run produced, rendered so that NaN equals NaN and buffers compare by content.
private struct Run: Equatable, CustomStringConvertible {
    var values: [String] = []
    var failure: String?
    /// Bytes left in the buffer after every chunk was handed over; `nil` after a failure (a failed run
    /// stops reading, so its buffer holds whatever had arrived).
    var leftover: Int?
    var description: String { "\(values) failure=\(failure ?? "none") leftover=\(leftover.map(String.init) ?? "-")" }
}

private func run(_ parser: RESPParser, _ chunks: [Slice<UnsafeBufferPointer<UInt8>>]) -> Run {
    var parser = parser
    var buffer = ByteBuffer()
    var result = Run()
    do throws(RESPParseError) {
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let value = try parser.parse(&buffer) { result.values.append(render(value)) }
        }
    } catch {
        result.failure = error.reason
        // A failed parser must keep failing with the same error.
        do throws(RESPParseError) {
            _ = try parser.parse(&buffer)
            fatalError("a failed parser parsed again")
        } catch let again {
            precondition(again == error, "a failed parser threw \(again), first \(error)")
        }
    }
    if result.failure == nil { result.leftover = buffer.readableBytes }
    return result
}

private func render(_ value: RESPValue) -> String {
    switch value {
    case .simpleString(let text): "+\(text)"
    case .error(let text): "-\(text)"
    case .integer(let number): ":\(number)"
    case .bulkString(let bytes): "$\(Array(bytes.readableBytesView))"
    case .null: "_"
    case .array(let values): "*[\(values.map(render).joined(separator: ","))]"
    case .double(let number): ",\(number.bitPattern)"
    case .boolean(let flag): "#\(flag)"
    case .bigNumber(let text): "(\(text)"
    case .verbatimString(let text): "=\(text)"
    case .map(let pairs): "%[\(pairs.map { render($0.key) + ":" + render($0.value) }.joined(separator: ","))]"
    case .set(let values): "~[\(values.map(render).joined(separator: ","))]"
    case .push(let values): ">[\(values.map(render).joined(separator: ","))]"
    }
}
