/// Follows the frames of an outbound HTTP/2 byte stream, write by write, and reports a GOAWAY that
/// carries an error code. Pure: bytes in, a verdict out. NIOHTTP2 answers a connection error with
/// such a GOAWAY but leaves closing the connection to its user; this is how the gateway notices.
///
/// Frames may span writes (NIOHTTP2 writes a DATA frame's header and payload separately); a frame
/// header is only read when all nine bytes are at hand, which they are in every write NIOHTTP2 makes.
struct GoAwayScanner {
    /// Bytes of the current frame's payload still to come.
    private var payloadLeft = 0
    /// The error code of a GOAWAY whose header was read and whose code is still to come.
    private var pendingGoAway: [UInt8]?

    /// Reads the next outbound bytes; the error code when they complete a GOAWAY with one other than
    /// NO_ERROR (a graceful shutdown's GOAWAY is not reported), else nil.
    mutating func scan(_ bytes: some Collection<UInt8>) -> UInt32? {
        var rest = bytes[...]
        var errorCode: UInt32?
        while !rest.isEmpty {
            if payloadLeft > 0 {
                let taken = rest.prefix(payloadLeft)
                if var pending = pendingGoAway {
                    pending.append(contentsOf: taken.prefix(8 - pending.count))
                    pendingGoAway = pending.count < 8 ? pending : nil
                    if pending.count == 8 {
                        let code = pending[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                        if code != 0 { errorCode = code }
                    }
                }
                payloadLeft -= taken.count
                rest = rest.dropFirst(taken.count)
                continue
            }
            guard rest.count >= 9 else { return errorCode }  // not a frame header: stop following
            var header = rest.makeIterator()
            let length = (0..<3).reduce(0) { value, _ in value << 8 | Int(header.next()!) }
            payloadLeft = length
            pendingGoAway = header.next() == 0x7 ? [] : nil
            rest = rest.dropFirst(9)
        }
        return errorCode
    }
}
