import BulwarkConfig

/// Turns a request target into the one canonical path that routing, rate limits and the upstream all see,
/// like Envoy's `normalize_path` + `merge_slashes`.
///
/// The path (the part before the first `?`) is rewritten; the query is kept byte for byte:
///
/// - escapes of unreserved characters (`A–Z a–z 0–9 - . _ ~`) are decoded; every other escape keeps its
///   place with upper-case hex (`%2f` → `%2F`);
/// - repeated slashes are merged;
/// - `.` and `..` segments are removed as in RFC 3986 §5.2.4, after decoding (so `%2e%2e` is `..`);
///   a trailing slash is kept (`/a/b/` stays, `/a/.` becomes `/a/`).
///
/// Rejected, whatever the policy: a target that does not start with `/`, a `#`, a malformed escape
/// (`%G1`, `%4`, a trailing `%`), and control bytes, space, DEL or non-ASCII bytes in the path. Under
/// ``PathEscapePolicy/reject`` also `%2F`, `%5C`, a raw `\` and a `..` that climbs above the root;
/// under ``PathEscapePolicy/keep`` those escapes and `\` are kept and `..` stops at the root.
///
/// | target | canonical |
/// | --- | --- |
/// | `//api/auth/login` | `/api/auth/login` |
/// | `/x/../api/auth/login` | `/api/auth/login` |
/// | `/api/auth/%6cogin?next=%2F` | `/api/auth/login?next=%2F` |
///
/// A target that is already canonical is returned as it is, after one pass over its bytes.
public enum PathCanonicalizer {
    /// What became of a request target.
    public enum Outcome: Equatable, Sendable {
        /// The canonical path followed by the untouched `?query`, if there was one: `/api/x?a=%2F`.
        case canonical(String)
        /// The target cannot be canonicalised; the text is a short reason for the 400 body, such as
        /// `encoded slash (%2F) in path`.
        case rejected(String)
    }

    /// Canonicalises an origin-form request target (`/path?query`).
    /// - Parameters:
    ///   - target: the request target as received.
    ///   - escapes: what to do with `%2F`, `%5C`, `\` and a `..` above the root (`server.path_escapes`).
    /// - Returns: the canonical target, or why it is rejected.
    public static func canonicalize(_ target: Substring, escapes: PathEscapePolicy) -> Outcome {
        var bytes = target
        let scanned = bytes.withUTF8 { scan($0) }
        switch scanned {
        case .unchanged:
            // The whole of a String (the usual case): share its storage instead of copying it.
            if target.startIndex == target.base.startIndex, target.endIndex == target.base.endIndex {
                return .canonical(target.base)
            }
            return .canonical(String(target))
        case .rejected(let reason):
            return .rejected(reason)
        case .rewrite:
            return bytes.withUTF8 { rewrite($0, escapes: escapes) }
        }
    }

    // MARK: - The fast pass: is the target canonical already?

    private enum Scan {
        case unchanged
        case rewrite
        case rejected(String)
    }

    /// One pass that accepts only canonical targets: anything unusual sends the target to ``rewrite``,
    /// which decides every rejection.
    private static func scan(_ input: UnsafeBufferPointer<UInt8>) -> Scan {
        guard input.first == ASCII.slash else { return .rejected(Reason.notOriginForm) }
        var needsRewrite = false
        var index = 0
        var segmentStart = 1
        scanning: while index < input.count {
            let byte = input[index]
            switch byte {
            case ASCII.slash:
                if isDotSegment(input, segmentStart, index) || index == segmentStart && index > 0 {
                    needsRewrite = true
                }
                segmentStart = index + 1
            case ASCII.percent:
                // Only an upper-case escape of a character that stays encoded is canonical.
                guard index + 2 < input.count,
                      let high = upperHexValue(input[index + 1]), let low = upperHexValue(input[index + 2]),
                      case let value = high << 4 | low,
                      !isUnreserved(value), value != ASCII.slash, value != ASCII.backslash
                else {
                    needsRewrite = true
                    break
                }
                index += 3
                continue scanning
            case ASCII.question:
                break scanning
            case ASCII.hash:
                return .rejected(Reason.fragment)
            case ASCII.backslash:
                needsRewrite = true
            case 0x21...0x7E:
                break
            default:
                needsRewrite = true
            }
            index += 1
        }
        if isDotSegment(input, segmentStart, index) { needsRewrite = true }
        // The query is kept as it is, but a fragment never belongs in a request target.
        while index < input.count {
            if input[index] == ASCII.hash { return .rejected(Reason.fragment) }
            index += 1
        }
        return needsRewrite ? .rewrite : .unchanged
    }

    private static func isDotSegment(_ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 1: input[start] == ASCII.dot
        case 2: input[start] == ASCII.dot && input[start + 1] == ASCII.dot
        default: false
        }
    }

    // MARK: - The slow pass: build the canonical target

    /// Decodes, merges and removes dot segments segment by segment, writing straight into the new string.
    /// The output holds `/seg/seg` without a trailing slash while it grows, so popping a segment cuts back
    /// to the last `/`. Each segment written is at most as long as its input segment with its leading
    /// slash, so the input's length bounds the output.
    private static func rewrite(_ input: UnsafeBufferPointer<UInt8>, escapes: PathEscapePolicy) -> Outcome {
        let keep = escapes == .keep
        var pathEnd = input.count
        for index in input.indices where input[index] == ASCII.question || input[index] == ASCII.hash {
            if input[index] == ASCII.hash { return .rejected(Reason.fragment) }
            pathEnd = index
            break
        }
        var rejection: String?
        let result = String(unsafeUninitializedCapacity: input.count + 1) { out in
            var count = 0
            var index = 1   // input[0] is the leading "/"
            var trailingSlash = false
            while true {
                let segmentStart = count
                out[count] = ASCII.slash
                count += 1
                while index < pathEnd, input[index] != ASCII.slash {
                    let byte = input[index]
                    if byte == ASCII.percent {
                        guard index + 2 < pathEnd,
                              let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) else {
                            rejection = Reason.malformedEscape
                            return 0
                        }
                        let value = high << 4 | low
                        if isUnreserved(value) {
                            out[count] = value
                            count += 1
                        } else {
                            if !keep, value == ASCII.slash || value == ASCII.backslash {
                                rejection = value == ASCII.slash ? Reason.encodedSlash : Reason.encodedBackslash
                                return 0
                            }
                            out[count] = ASCII.percent
                            out[count + 1] = uppercased(input[index + 1])
                            out[count + 2] = uppercased(input[index + 2])
                            count += 3
                        }
                        index += 3
                    } else if byte == ASCII.backslash, !keep {
                        rejection = Reason.backslash
                        return 0
                    } else if byte <= 0x20 || byte >= 0x7F {
                        rejection = Reason.badByte
                        return 0
                    } else {
                        out[count] = byte
                        count += 1
                        index += 1
                    }
                }
                let isLast = index >= pathEnd
                switch count - segmentStart - 1 {
                case 0:
                    count = segmentStart   // an empty segment: merged slashes, or the trailing one
                    trailingSlash = isLast
                case 1 where out[segmentStart + 1] == ASCII.dot:
                    count = segmentStart
                    trailingSlash = true
                case 2 where out[segmentStart + 1] == ASCII.dot && out[segmentStart + 2] == ASCII.dot:
                    count = segmentStart
                    if count == 0 {
                        if !keep {
                            rejection = Reason.aboveRoot
                            return 0
                        }
                    } else {
                        repeat { count -= 1 } while out[count] != ASCII.slash
                    }
                    trailingSlash = true
                default:
                    trailingSlash = false
                }
                if isLast { break }
                index += 1   // the "/" that ends this segment
            }
            if count == 0 || trailingSlash {
                out[count] = ASCII.slash
                count += 1
            }
            for index in pathEnd..<input.count {
                if input[index] == ASCII.hash {
                    rejection = Reason.fragment
                    return 0
                }
                out[count] = input[index]
                count += 1
            }
            return count
        }
        if let rejection { return .rejected(rejection) }
        return .canonical(result)
    }

    // MARK: - Bytes

    private enum ASCII {
        static let slash = UInt8(ascii: "/")
        static let backslash = UInt8(ascii: "\\")
        static let percent = UInt8(ascii: "%")
        static let question = UInt8(ascii: "?")
        static let hash = UInt8(ascii: "#")
        static let dot = UInt8(ascii: ".")
    }

    private enum Reason {
        static let notOriginForm = "request target is not a path starting with /"
        static let fragment = "fragment (#) in request target"
        static let malformedEscape = "malformed percent-escape in path"
        static let encodedSlash = "encoded slash (%2F) in path"
        static let encodedBackslash = "encoded backslash (%5C) in path"
        static let backslash = "backslash in path"
        static let badByte = "control character, space or non-ASCII byte in path"
        static let aboveRoot = "path climbs above the root (..)"
    }

    /// RFC 3986 §2.3: `ALPHA / DIGIT / "-" / "." / "_" / "~"`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: upperHexValue(byte)
        }
    }

    private static func upperHexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) ? byte - 32 : byte
    }
}
