import Foundation
import Yams

/// A bench plan's `target` and `requests`.
extension ConfigReader {
    /// Characters of an HTTP token (RFC 9110): method and header names.
    private static let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    /// Methods everyone spells in capitals; a lower-case spelling is most likely a slip.
    private static let standardMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]
    /// Headers the load generator sets itself.
    private static let framingHeaders = ["content-length", "transfer-encoding"]

    /// `target`: required, `http://HOST[:PORT][/PATH]`. Returns the URL and its path and query (`/`
    /// when it has none).
    mutating func readBenchTarget(_ node: Node?) -> (url: String, pathAndQuery: String)? {
        guard node != nil else {
            report("target", "missing: the server to load, e.g. target: http://127.0.0.1:8080")
            return nil
        }
        guard let text = string(node, at: "target") else { return nil }
        switch Self.parseBenchTarget(text) {
        case .success(let pathAndQuery): return (text, pathAndQuery)
        case .failure(let problem):
            report("target", problem.description, about: text)
            return nil
        }
    }

    /// The path and query of `http://HOST[:PORT][/PATH][?QUERY]`; syntax only (no name is resolved).
    static func parseBenchTarget(_ text: String) -> Result<String, SyntaxProblem> {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            return .failure(SyntaxProblem("https:// targets are not supported yet: use http://, e.g. http://127.0.0.1:8080"))
        }
        guard lower.hasPrefix("http://") else {
            return .failure(SyntaxProblem("expected an http:// URL such as http://127.0.0.1:8080/api, got '\(text)'"))
        }
        if text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
            return .failure(SyntaxProblem("'\(text)' holds a space or control character: percent-encode it (a space is %20)"))
        }
        let rest = text.dropFirst(7)
        let authority = rest.prefix { !"/?#".contains($0) }
        let tail = rest.dropFirst(authority.count)
        if tail.contains("#") { return .failure(SyntaxProblem("'\(text)' has a fragment (#…), which is never sent: remove it")) }
        if authority.contains("@") {
            return .failure(SyntaxProblem("'\(text)' holds user information (user@): the target is http://HOST[:PORT][/PATH]; send credentials in a header"))
        }
        var host = authority
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(SyntaxProblem("'\(text)' has an IPv6 address without its closing ']'")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { return .failure(SyntaxProblem("'\(text)' has no valid host and port, e.g. http://[::1]:8080")) }
            if !after.isEmpty { port = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
            if host.contains(":") { return .failure(SyntaxProblem("an IPv6 address goes in brackets, as in http://[::1]:8080, got '\(text)'")) }
        }
        guard !host.isEmpty else { return .failure(SyntaxProblem("'\(text)' has no host, e.g. http://127.0.0.1:8080")) }
        if let port, !(port.count <= 5 && port.allSatisfy({ $0.isASCII && $0.isNumber }) && (1...65_535).contains(Int(port) ?? 0)) {
            return .failure(SyntaxProblem("'\(text)' has no valid port (1–65535)"))
        }
        return .success(tail.isEmpty ? "/" : tail.hasPrefix("?") ? "/" + tail : String(tail))
    }

    /// `requests`: a non-empty list.
    mutating func readBenchRequests(_ node: Node, baseDirectory: String) -> [BenchPlan.Request] {
        guard let items = sequence(node, at: "requests") else { return [] }
        guard !items.isEmpty else {
            report("requests", "must list at least one request, e.g. { path: /api/items }; or leave requests out to GET the target's path")
            return []
        }
        return items.enumerated().compactMap { index, item in readBenchRequest(item, at: "requests[\(index)]", baseDirectory: baseDirectory) }
    }

    private mutating func readBenchRequest(_ node: Node, at path: String, baseDirectory: String) -> BenchPlan.Request? {
        let keys = ["weight", "method", "path", "headers", "body", "body_file"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return nil }
        let before = issues.count
        var request = BenchPlan.Request(path: "/")
        if let weight = int(entries["weight"], at: "\(path).weight", in: 1...1_000_000) { request.weight = weight }
        if let method = string(entries["method"], at: "\(path).method") {
            if method.isEmpty || !method.allSatisfy(Self.tokenCharacters.contains) {
                report("\(path).method", "expected an HTTP method such as GET or POST, got '\(method)'")
            } else if method != method.uppercased(), Self.standardMethods.contains(method.uppercased()) {
                report("\(path).method", "methods are case-sensitive: write \(method.uppercased())")
            } else {
                request.method = method
            }
        }
        if entries["path"] == nil {
            report("\(path).path", "missing: the path to request, e.g. path: /api/items")
        } else if let text = string(entries["path"], at: "\(path).path") {
            if !text.hasPrefix("/") {
                report("\(path).path", "must start with '/', e.g. /api/items, got '\(text)'", about: text)
            } else if text.contains(where: { $0.isWhitespace || $0 == "#" || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) {
                report("\(path).path", "must not hold spaces, control characters or '#': percent-encode them (a space is %20)", about: text)
            } else {
                request.path = text
            }
        }
        if let node = entries["headers"] { request.headers = readBenchHeaders(node, at: "\(path).headers") }
        if entries["body"] != nil, entries["body_file"] != nil {
            report(path, "has both body and body_file: give one")
        } else if let text = string(entries["body"], at: "\(path).body") {
            request.body = Array(text.utf8)
        } else if let file = string(entries["body_file"], at: "\(path).body_file") {
            request.body = readBodyFile(file, at: "\(path).body_file", baseDirectory: baseDirectory)
        }
        return issues.count == before ? request : nil
    }

    /// `headers`: a mapping of names to values, in file order.
    private mutating func readBenchHeaders(_ node: Node, at path: String) -> [BenchPlan.Header] {
        namedEntries(node, at: path).compactMap { name, value in
            let keyPath = "\(path).\(name)"
            guard name.allSatisfy(Self.tokenCharacters.contains) else {
                report(keyPath, "'\(name)' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)")
                return nil
            }
            if Self.framingHeaders.contains(name.lowercased()) {
                report(keyPath, "is set by bulwark bench from the body; remove it")
                return nil
            }
            guard let text = string(value, at: keyPath) else { return nil }
            guard !text.contains(where: { $0.asciiValue.map { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F } == true }) else {
                report(keyPath, "must not hold line breaks or control characters")
                return nil
            }
            return BenchPlan.Header(name: name, value: text)
        }
    }

    /// The bytes of `file`, relative to `baseDirectory` unless absolute; nil after reporting.
    private mutating func readBodyFile(_ file: String, at path: String, baseDirectory: String) -> [UInt8]? {
        guard !file.isEmpty else {
            report(path, "must name a file, e.g. body_file: item.json")
            return nil
        }
        let resolved = file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: resolved)))
        } catch {
            report(path, "cannot read \(file) (\(resolved)): \(BulwarkConfiguration.reason(error))")
            return nil
        }
    }
}
