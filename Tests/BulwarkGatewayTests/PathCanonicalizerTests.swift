import BulwarkConfig
import BulwarkGateway
import PropertyBased
import Testing

@Suite("Path canonicaliser", .timeLimit(.minutes(1)))
struct PathCanonicalizerTests {
    static func canonical(_ target: String, _ escapes: PathEscapePolicy = .reject) -> PathCanonicalizer.Outcome {
        PathCanonicalizer.canonicalize(target[...], escapes: escapes)
    }

    @Test("the spellings that escaped the login limit all become /api/auth/login", arguments: [
        "//api/auth/login", "/x/../api/auth/login", "/api/auth/%6cogin", "/api/auth/%6Cogin", "/api//auth/login",
        "/api/./auth/login", "/%61pi/auth/login", "/api/auth/login/../login", "/api/auth/%2e/login",
        "/api/x/%2e%2E/auth/login", "///api///auth///login",
    ])
    func findings(_ target: String) {
        #expect(Self.canonical(target) == .canonical("/api/auth/login"))
        #expect(Self.canonical(target, .keep) == .canonical("/api/auth/login"))
    }

    /// RFC 3986 §5.4.1 and §5.4.2, with the base `http://a/b/c/d;p?q` merged into each relative
    /// reference by hand so that only `remove_dot_segments` is left to check. The references that
    /// climb above the root (`../../../g`) are in ``climbingAboveTheRoot``.
    @Test("RFC 3986 §5.4 dot-segment examples", arguments: [
        ("/b/c/g", "/b/c/g"), ("/b/c/./g", "/b/c/g"), ("/b/c/g/", "/b/c/g/"), ("/g", "/g"),
        ("/b/c/.", "/b/c/"), ("/b/c/./", "/b/c/"), ("/b/c/..", "/b/"), ("/b/c/../", "/b/"),
        ("/b/c/../g", "/b/g"), ("/b/c/../..", "/"), ("/b/c/../../", "/"), ("/b/c/../../g", "/g"),
        ("/./g", "/g"), ("/b/c/g.", "/b/c/g."), ("/b/c/.g", "/b/c/.g"), ("/b/c/g..", "/b/c/g.."),
        ("/b/c/..g", "/b/c/..g"), ("/b/c/./../g", "/b/g"), ("/b/c/./g/.", "/b/c/g/"), ("/b/c/g/./h", "/b/c/g/h"),
        ("/b/c/g/../h", "/b/c/h"), ("/b/c/g;x=1/./y", "/b/c/g;x=1/y"), ("/b/c/g;x=1/../y", "/b/c/y"),
        ("/a/b/c/./../../g", "/a/g"), ("/mid/content=5/../6", "/mid/6"),
    ])
    func dotSegments(_ target: String, _ expected: String) {
        #expect(Self.canonical(target) == .canonical(expected))
    }

    @Test("a .. above the root is rejected by default and clamped under keep", arguments: [
        ("/..", "/"), ("/../g", "/g"), ("/b/../../g", "/g"), ("/%2e%2e/g", "/g"), ("/a/./../..", "/"),
        ("/b/c/../../../g", "/g"), ("/b/c/../../../../g", "/g"), ("//../g", "/g"),
    ])
    func climbingAboveTheRoot(_ target: String, _ clamped: String) {
        #expect(Self.canonical(target) == .rejected("path climbs above the root (..)"))
        #expect(Self.canonical(target, .keep) == .canonical(clamped))
    }

    @Test("escapes: unreserved ones decoded, the rest upper-cased, the query untouched", arguments: [
        ("/%41%5a%61%7A%30%39%2D%2E%5F%7E", "/AZaz09-._~"),
        ("/a%2e", "/a."), ("/%2e%2e%2e", "/..."), ("/a/%2e%2eb", "/a/..b"),
        ("/a%20b", "/a%20b"), ("/a%2a%3f%5b", "/a%2A%3F%5B"), ("/a%3a%3Ab", "/a%3A%3Ab"), ("/%c3%a9", "/%C3%A9"), ("/%00", "/%00"),
        ("/%25", "/%25"), ("/%252e", "/%252e"), ("/%3F?q", "/%3F?q"),
        ("/x?a=%2f&b=%6c#", nil), ("/x?a=%2f&b=%6c//../", "/x?a=%2f&b=%6c//../"),
        ("/x/../y?a=%2f&b=%6c//../", "/y?a=%2f&b=%6c//../"), ("/x?", "/x?"), ("/?é=ü", "/?é=ü"),
    ] as [(String, String?)])
    func escapes(_ target: String, _ expected: String?) {
        let outcome = Self.canonical(target)
        if let expected {
            #expect(outcome == .canonical(expected))
        } else {
            #expect(outcome == .rejected("fragment (#) in request target"))
        }
    }

    @Test("%2F, %5C and \\ are rejected by default and kept under keep", arguments: [
        ("/a%2fb", "encoded slash (%2F) in path", "/a%2Fb"),
        ("/a/%2F/../b", "encoded slash (%2F) in path", "/a/b"),
        ("/a%5cb", "encoded backslash (%5C) in path", "/a%5Cb"),
        ("/a/%5C", "encoded backslash (%5C) in path", "/a/%5C"),
        ("/a\\b", "backslash in path", "/a\\b"),
        ("/a/..\\..", "backslash in path", "/a/..\\.."),
    ])
    func pathEscapes(_ target: String, _ reason: String, _ kept: String) {
        #expect(Self.canonical(target) == .rejected(reason))
        #expect(Self.canonical(target, .keep) == .canonical(kept))
    }

    @Test("malformed targets are rejected under either policy", arguments: [
        ("", "request target is not a path starting with /"),
        ("*", "request target is not a path starting with /"),
        ("http://a/b", "request target is not a path starting with /"),
        ("a/b", "request target is not a path starting with /"),
        ("/a#b", "fragment (#) in request target"),
        ("/a/../b#", "fragment (#) in request target"),
        ("/%", "malformed percent-escape in path"), ("/a%4", "malformed percent-escape in path"),
        ("/a%G1", "malformed percent-escape in path"), ("/a%1g", "malformed percent-escape in path"),
        ("/a%4?1", "malformed percent-escape in path"), ("/a%", "malformed percent-escape in path"),
        ("/a b", "control character, space or non-ASCII byte in path"),
        ("/a\tb", "control character, space or non-ASCII byte in path"),
        ("/a\u{0}", "control character, space or non-ASCII byte in path"),
        ("/a\u{7F}", "control character, space or non-ASCII byte in path"),
        ("/é", "control character, space or non-ASCII byte in path"),
    ])
    func rejections(_ target: String, _ reason: String) {
        for escapes in PathEscapePolicy.allCases {
            #expect(Self.canonical(target, escapes) == .rejected(reason), "\(escapes)")
        }
    }

    @Test("a canonical target comes back as it is", arguments: [
        "/", "/api/auth/login", "/a/b/", "/a.b/.c/..d/...", "/a%20b?c=d", "/x?a=%2f&b=//../",
        "/~user/-_./x", "/a;b=c/d:e@f!$&'()*+,=",
    ])
    func unchanged(_ target: String) {
        #expect(Self.canonical(target) == .canonical(target))
    }

    // MARK: - Properties

    /// Pieces that exercise every rule; a generated target is "/" followed by some of them.
    static let pieces = [
        "/", "//", ".", "..", "/./", "/../", "a", "b", "~", "-", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%41",
        "%7e", "%3a", "%3A", "%25", "%", "%4", "%g1", "\\", "?", "?q=%2f/../", "#", " ", "é",
    ]
    static let targets = Gen.int(in: 0..<pieces.count).array(of: 0...14)
        .map { indices in "/" + indices.map { pieces[$0] }.joined() }

    static func path(of target: String) -> Substring { target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...] }

    @Test("canonicalising a canonical target changes nothing")
    func idempotent() async {
        await propertyCheck(count: 2_000, input: Self.targets, Gen.bool()) { target, keep in
            let escapes: PathEscapePolicy = keep ? .keep : .reject
            guard case .canonical(let once) = Self.canonical(target, escapes) else { return }
            #expect(Self.canonical(once, escapes) == .canonical(once), "from \(target)")
        }
    }

    @Test("the canonical path has no empty or dot segments, no needless escapes, and the query is kept")
    func canonicalShape() async {
        await propertyCheck(count: 2_000, input: Self.targets, Gen.bool()) { target, keep in
            let escapes: PathEscapePolicy = keep ? .keep : .reject
            guard case .canonical(let output) = Self.canonical(target, escapes) else { return }
            let path = Self.path(of: output)
            #expect(path.hasPrefix("/"))
            #expect(!path.contains("//"), "\(target) → \(output)")
            let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            #expect(!segments.contains("."), "\(target) → \(output)")
            #expect(!segments.contains(".."), "\(target) → \(output)")
            for (index, character) in path.enumerated() where character == "%" {
                let hex = String(path.dropFirst(index + 1).prefix(2))
                #expect(hex == hex.uppercased(), "\(target) → \(output)")
                let value = UInt8(hex, radix: 16)!
                #expect(!Self.isUnreserved(value), "\(target) → \(output)")
                if escapes == .reject { #expect(value != 0x2F && value != 0x5C, "\(target) → \(output)") }
            }
            if escapes == .reject { #expect(!path.contains("\\")) }
            let query = target.utf8.drop { $0 != UInt8(ascii: "?") }
            let outputQuery = output.utf8.drop { $0 != UInt8(ascii: "?") }
            #expect(Array(query) == Array(outputQuery), "\(target) → \(output)")
        }
    }

    @Test("the canonicaliser agrees with a plain split-and-stack model of RFC 3986 §5.2.4")
    func agreesWithModel() async {
        await propertyCheck(count: 2_000, input: Self.targets, Gen.bool()) { target, keep in
            let escapes: PathEscapePolicy = keep ? .keep : .reject
            let model = Self.model(target, escapes)
            let outcome = Self.canonical(target, escapes)
            switch (model, outcome) {
            case (.canonical, _), (_, .canonical): #expect(model == outcome, "\(target)")
            case (.rejected, .rejected): break   // the reason may name a different problem first
            }
        }
    }

    static func isUnreserved(_ value: UInt8) -> Bool {
        value < 0x80 && (Character(UnicodeScalar(value)).isLetter || Character(UnicodeScalar(value)).isNumber
                         || "-._~".utf8.contains(value))
    }

    /// A slow model: decode each segment on its own, then walk the segments with a stack.
    static func model(_ target: String, _ escapes: PathEscapePolicy) -> PathCanonicalizer.Outcome {
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
                    guard bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16),
                          bytes.prefix(2).allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
                    else { return .rejected("") }
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
}
