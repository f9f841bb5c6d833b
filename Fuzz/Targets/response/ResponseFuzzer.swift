@testable import BulwarkBench
import NIOCore

/// Feeds the input to `bulwark bench`'s response framer (what a load target sends back) twice: whole,
/// and in two pieces split at a point derived from the input, as two socket reads would deliver it. Both
/// runs must find the same responses and fail (or not) alike; every status is three digits; the framer
/// never traps. The first byte says whether the request was a HEAD (no body expected).
@_cdecl("LLVMFuzzerTestOneInput")
public func responseFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let expectsBody = bytes[0] & 1 == 0
    let input = bytes.dropFirst()
    let split = input.isEmpty ? 0 : Int(bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) } % UInt32(input.count + 1))
    let whole = frame([input[...]], expectsBody: expectsBody)
    let pieces = frame([input.prefix(split), input.dropFirst(split)], expectsBody: expectsBody)
    if whole != pieces {
        fatalError("whole and split at \(split) disagree:\n  whole: \(whole)\n  split: \(pieces)")
    }
    for response in whole.responses where !(100...999).contains(response.status) {
        fatalError("status \(response.status) is not three digits")
    }
    return 0
}

private struct Run: Equatable, CustomStringConvertible {
    var responses: [ResponseFramer.Response] = []
    var failure: String?
    var description: String { "\(responses.map { "\($0.status)/\($0.keepAlive)" }) failure=\(failure ?? "none")" }
}

/// What the connection handler does: each read is a new buffer; responses are taken while bytes remain;
/// after the last read the connection closes.
private func frame(_ reads: [Slice<UnsafeBufferPointer<UInt8>>], expectsBody: Bool) -> Run {
    var framer = ResponseFramer()
    framer.expectResponse(expectsBody: expectsBody)
    var run = Run()
    do {
        for read in reads {
            var buffer = ByteBuffer(bytes: read)
            while buffer.readableBytes > 0, let response = try framer.next(from: &buffer) {
                run.responses.append(response)
            }
        }
        if let last = framer.connectionClosed() { run.responses.append(last) }
    } catch {
        run.failure = error.description
    }
    return run
}
