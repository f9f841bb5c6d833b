import BulwarkConfig
import BulwarkGateway

/// Every target either is rejected or canonicalises to a path that is its own canonical form, has no
/// empty or dot segments, no needless or lower-case escapes, (under `reject`) no `%2F`, `%5C` or `\`, and
/// keeps the query byte for byte; the result also matches a slow split-and-stack model of RFC 3986 §5.2.4
/// (the same model as in PathCanonicalizerTests).
@_cdecl("LLVMFuzzerTestOneInput")
public func pathFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let target = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    for escapes in PathEscapePolicy.allCases {
        let outcome = PathCanonicalizer.canonicalize(target[...], escapes: escapes)
        let expected = model(target, escapes)
        switch (outcome, expected) {
        case (.rejected, .rejected):
            continue
        case (.canonical(let output), .canonical(let modelled)):
            check(output == modelled, "\(escapes) \(target.debugDescription) → \(output.debugDescription), model \(modelled.debugDescription)")
            check(output, of: target, escapes)
        default:
            check(false, "\(escapes) \(target.debugDescription) → \(outcome), model \(expected)")
        }
    }
    return 0
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func check(_ output: String, of target: String, _ escapes: PathEscapePolicy) {
    let context = "\(escapes) \(target.debugDescription) → \(output.debugDescription)"
    check(PathCanonicalizer.canonicalize(output[...], escapes: escapes) == .canonical(output), "not idempotent: \(context)")
    let path = Array(output.utf8.prefix { $0 != UInt8(ascii: "?") })
    check(path.first == UInt8(ascii: "/"), "no leading slash: \(context)")
    var segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
    if segments.last?.isEmpty == true { segments = segments.dropLast() }   // the trailing slash
    for segment in segments {
        check(!segment.isEmpty && !segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8), "empty or dot segment: \(context)")
    }
    for (index, byte) in path.enumerated() {
        check(byte > 0x20 && byte < 0x7F, "bad byte: \(context)")
        if escapes == .reject { check(byte != UInt8(ascii: "\\"), "backslash: \(context)") }
        guard byte == UInt8(ascii: "%") else { continue }
        check(index + 2 < path.count, "cut escape: \(context)")
        guard let value = UInt8(String(decoding: path[index + 1 ... index + 2], as: UTF8.self), radix: 16) else {
            check(false, "bad escape: \(context)")
            return
        }
        check(!isUnreserved(value), "needless escape: \(context)")
        check(path[index + 1 ... index + 2].allSatisfy { !(UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }, "lower-case escape: \(context)")
        if escapes == .reject { check(value != 0x2F && value != 0x5C, "escaped slash: \(context)") }
    }
    let query = target.utf8.drop { $0 != UInt8(ascii: "?") }
    let outputQuery = output.utf8.drop { $0 != UInt8(ascii: "?") }
    check(query.elementsEqual(outputQuery), "query changed: \(context)")
}

private func isUnreserved(_ value: UInt8) -> Bool {
    switch value {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
         UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        true
    default:
        false
    }
}

/// A slow model: decode each segment on its own, then walk the segments with a stack. Only whether a
/// target is rejected is compared, not the reason (the two may meet different problems first).
private func model(_ target: String, _ escapes: PathEscapePolicy) -> PathCanonicalizer.Outcome {
    let utf8 = Array(target.utf8)
    guard utf8.first == UInt8(ascii: "/"), !utf8.contains(UInt8(ascii: "#")) else { return .rejected("") }
    let pathEnd = utf8.firstIndex(of: UInt8(ascii: "?")) ?? utf8.count
    let query = String(decoding: utf8[pathEnd...], as: UTF8.self)
    var stack: [String] = []
    var trailing = false
    let segments = utf8[1..<pathEnd].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    for (position, raw) in segments.enumerated() {
        var decoded = ""
        var bytes = raw
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%") {
                let hex = bytes.prefix(2)
                guard hex.count == 2, hex.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }),
                      let value = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) else { return .rejected("") }
                bytes = bytes.dropFirst(2)
                if isUnreserved(value) {
                    decoded.append(Character(UnicodeScalar(value)))
                } else {
                    if escapes == .reject, value == 0x2F || value == 0x5C { return .rejected("") }
                    decoded += "%" + (value < 16 ? "0" : "") + String(value, radix: 16, uppercase: true)
                }
            } else if byte <= 0x20 || byte >= 0x7F || (byte == UInt8(ascii: "\\") && escapes == .reject) {
                return .rejected("")
            } else {
                decoded.append(Character(UnicodeScalar(byte)))
            }
        }
        let last = position == segments.count - 1
        switch decoded {
        case "", ".":
            trailing = last
        case "..":
            if stack.popLast() == nil, escapes == .reject { return .rejected("") }
            trailing = true
        default:
            stack.append(decoded)
            trailing = false
        }
    }
    return .canonical("/" + stack.joined(separator: "/") + (trailing && !stack.isEmpty ? "/" : "") + query)
}
