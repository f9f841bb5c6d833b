import BulwarkPostgresWire
import NIOCore

/// Feeds the input (after its first byte) to the startup packet reader and to the message scanner, whole
/// and in pieces, and traps when the runs disagree or an invariant fails:
/// - the reader gives the same requests, raw packets, leftover and error however the bytes are split;
///   each raw packet is as long as its length field says, and a parsed request re-encodes to one that
///   reads back the same;
/// - the scanner reports the same messages (types, lengths, captured bytes) and error for one chunk, for
///   three chunks and byte by byte; the reported messages tile the input from its start, each captured
///   body is exactly the input's bytes there, cut at the capture limit;
/// - the body decoders never trap, and an error response encoded from input-derived text scans and
///   decodes back to its fields.
/// The first byte picks the split points and the scanner's settings (default or tiny limits).
@_cdecl("LLVMFuzzerTestOneInput")
public func postgresWireFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let control = bytes[0]
    let input = Array(bytes.dropFirst())
    let first = input.count * Int(control) / 256
    let second = first + (input.count - first) / 2

    checkStartup(input, split: first)
    checkScanner(input, control: control, splits: [first, second])
    checkErrorResponse(input)
    return 0
}

// MARK: - Startup packets

private struct StartupRun: Equatable {
    var requests: [StartupRequest] = []
    var raws: [[UInt8]] = []
    var failure: StartupPacketError?
    var leftover = 0
}

private func readStartup(_ chunks: [ArraySlice<UInt8>]) -> StartupRun {
    var reader = StartupPacketReader()
    var buffer = ByteBuffer()
    var run = StartupRun()
    do {
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let (request, raw) = try reader.read(from: &buffer) {
                run.requests.append(request)
                run.raws.append(Array(raw.readableBytesView))
            }
        }
    } catch let error as StartupPacketError {
        run.failure = error
        // Nothing was consumed, so reading again fails the same way.
        do {
            _ = try reader.read(from: &buffer)
            fatalError("a failing packet read on the second try")
        } catch let again as StartupPacketError {
            precondition(again == error, "second read threw \(again), first \(error)")
        } catch {
            fatalError("unexpected error \(error)")
        }
    } catch {
        fatalError("unexpected error \(error)")
    }
    // A failed run stops reading, so its buffer holds whatever had arrived: not compared.
    if run.failure == nil { run.leftover = buffer.readableBytes }
    return run
}

private func checkStartup(_ input: [UInt8], split: Int) {
    let whole = readStartup([input[...]])
    let pieces = readStartup([input[..<split], input[split...]])
    precondition(whole == pieces, "startup: whole and split at \(split) disagree:\n  \(whole)\n  \(pieces)")
    if whole.failure == nil {
        precondition(whole.raws.reduce(0) { $0 + $1.count } + whole.leftover == input.count, "startup: bytes lost")
    }
    var offset = 0
    for (request, raw) in zip(whole.requests, whole.raws) {
        precondition(Array(input[offset..<offset + raw.count]) == raw, "startup: raw is not the input's bytes")
        let length = Int(raw[0]) << 24 | Int(raw[1]) << 16 | Int(raw[2]) << 8 | Int(raw[3])
        precondition(length == raw.count, "startup: raw packet of \(raw.count) bytes has length \(length)")
        offset += raw.count
        var encoded = ByteBuffer()
        request.encode(into: &encoded)
        // Invalid UTF-8 decodes to U+FFFD, which may grow a packet past the limit: nothing to compare then.
        guard encoded.readableBytes <= StartupPacketReader.maximumLength else { continue }
        var reader = StartupPacketReader()
        let again = try? reader.read(from: &encoded)
        precondition(again?.request == request, "startup: \(request) re-encoded reads back as \(String(describing: again))")
        precondition(encoded.readableBytes == 0, "startup: re-encoded packet not consumed")
    }
}

// MARK: - Typed messages

private struct ScanRun: Equatable {
    var messages: [ScannedMessage] = []
    var failure: MessageScanError?
    var atBoundary = false

    /// Whether two runs over the same bytes agree: a failed scan reports nothing from the chunk it failed
    /// in, so failed runs (closing the session anyway) need only agree on the error.
    func agrees(with other: ScanRun) -> Bool {
        failure != nil || other.failure != nil ? failure == other.failure : self == other
    }
}

private func scan(_ chunks: [ArraySlice<UInt8>], _ make: () -> MessageScanner) -> ScanRun {
    var scanner = make()
    var run = ScanRun()
    do {
        for chunk in chunks {
            run.messages += try scanner.scan(ByteBuffer(bytes: chunk))
        }
        run.atBoundary = scanner.isAtMessageBoundary
    } catch let error as MessageScanError {
        run.failure = error
        do {
            _ = try scanner.scan(ByteBuffer(bytes: [0, 0, 0, 0, 4]))
            fatalError("a failed scanner scanned again")
        } catch let again as MessageScanError {
            precondition(again == error, "a failed scanner threw \(again), first \(error)")
        } catch {
            fatalError("unexpected error \(error)")
        }
    } catch {
        fatalError("unexpected error \(error)")
    }
    return run
}

private func checkScanner(_ input: [UInt8], control: UInt8, splits: [Int]) {
    let small = control & 1 == 1
    let everything = control & 2 == 2
    let interesting: Set<UInt8> = everything ? Set(0...255) : Set("QPBESZKDCN".utf8)
    let captureLimit = small ? Int(control >> 4) : 65_536
    let maximumLength = small ? 64 : MessageScanner.defaultMaximumLength
    func make() -> MessageScanner {
        MessageScanner(interesting: interesting, captureLimit: captureLimit, maximumLength: maximumLength)
    }

    let whole = scan([input[...]], make)
    let pieces = scan([input[..<splits[0]], input[splits[0]..<splits[1]], input[splits[1]...]], make)
    precondition(whole.agrees(with: pieces), "scanner: whole and split at \(splits) disagree:\n  \(whole)\n  \(pieces)")
    var quiet = make()
    var interestingOnly: [ScannedMessage] = []
    for chunk in [input[..<splits[1]], input[splits[1]...]] {
        do { try quiet.scanInteresting(ByteBuffer(bytes: chunk), into: &interestingOnly) } catch { break }
    }
    if whole.failure == nil {
        precondition(interestingOnly == whole.messages.filter { interesting.contains($0.type) }, "scanner: scanInteresting differs")
    }
    if input.count <= 4_096 {
        let bytewise = scan(input.indices.map { input[$0...$0] }, make)
        precondition(whole.agrees(with: bytewise), "scanner: whole and byte by byte disagree:\n  \(whole)\n  \(bytewise)")
    }

    var offset = 0
    for message in whole.messages {
        precondition(message.bodyLength >= 0 && message.bodyLength + 4 <= maximumLength, "scanner: bad length")
        precondition(input[offset] == message.type, "scanner: type is not the input's byte")
        let bodyStart = offset + 5
        offset = bodyStart + message.bodyLength
        precondition(offset <= input.count, "scanner: message runs past the input")
        guard interesting.contains(message.type) else {
            precondition(message.body == nil && !message.isTruncated, "scanner: body captured for a type not of interest")
            continue
        }
        guard let body = message.body else { fatalError("scanner: no body for a type of interest") }
        let kept = min(captureLimit, message.bodyLength)
        precondition(Array(body.readableBytesView) == Array(input[bodyStart..<bodyStart + kept]), "scanner: captured bytes differ")
        precondition(message.isTruncated == (kept < message.bodyLength), "scanner: isTruncated wrong")
        decodeEverything(message)
    }
    if whole.failure == nil {
        precondition(whole.atBoundary == (offset == input.count), "scanner: boundary flag wrong at \(offset) of \(input.count)")
    }
}

/// Runs every decoder on the body; they must return, not trap. Successful decodes are checked lightly.
private func decodeEverything(_ message: ScannedMessage) {
    guard let body = message.body else { return }
    if let text = FrontendMessage.queryText(body) { precondition(!text.utf8.contains(0), "query text holds a NUL") }
    _ = FrontendMessage.parse(body)
    _ = FrontendMessage.bindStatementName(body)
    _ = FrontendMessage.statementText(of: message)
    if let key = BackendMessage.backendKey(body) {
        precondition(key.secretKey.count == body.readableBytes - 4, "backend key length wrong")
    }
    if let status = BackendMessage.readyStatus(body) { precondition("ITE".utf8.contains(status), "ready status \(status)") }
    _ = BackendMessage.errorFields(body)
}

// MARK: - Error responses

private func checkErrorResponse(_ input: [UInt8]) {
    let third = input.count / 3
    let code = String(decoding: input[..<third], as: UTF8.self)
    let message = String(decoding: input[third...], as: UTF8.self)
    let response = PostgresErrorResponse(severity: "ERROR", code: code, message: message)
    var encoded = ByteBuffer()
    response.encode(into: &encoded)
    var scanner = MessageScanner(interesting: [UInt8(ascii: "E")], captureLimit: .max)
    guard let messages = try? scanner.scan(encoded), messages.count == 1, scanner.isAtMessageBoundary,
          let body = messages[0].body, let fields = BackendMessage.errorFields(body)
    else { fatalError("an encoded error response does not scan as one message") }
    func clean(_ text: String) -> String { String(decoding: text.utf8.filter { $0 != 0 }, as: UTF8.self) }
    let expected: [UInt8: String] = [
        UInt8(ascii: "S"): "ERROR", UInt8(ascii: "V"): "ERROR", UInt8(ascii: "C"): clean(code), UInt8(ascii: "M"): clean(message),
    ]
    precondition(fields == expected, "error response fields \(fields), expected \(expected)")
}
