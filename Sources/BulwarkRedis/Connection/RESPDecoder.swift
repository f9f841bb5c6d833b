import NIOCore

/// Decodes RESP values from a byte stream for the channel pipeline. The parser keeps a partly received reply
/// between reads, so a large reply arriving in many reads is parsed once. Malformed input, or input beyond
/// the parser's limits, is an error that closes the connection (see ``RedisCommandHandler``).
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue
    var parser = RESPParser()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
