import Foundation
import Testing

/// One corpus file: raw bytes, and the expected class of outcome from its name (`NAME.CLASS.http`).
struct FramingCase: Sendable, CustomTestStringConvertible {
    let file: String
    let expected: String
    let bytes: [UInt8]

    var testDescription: String { file }

    /// The method of the first request in a request file (what the first response answers).
    var firstMethod: String {
        let start = bytes.firstIndex { $0 != WireBytes.cr && $0 != WireBytes.lf } ?? 0
        let end = bytes[start...].firstIndex { $0 <= WireBytes.sp } ?? bytes.endIndex
        return WireBytes.latin1(bytes[start..<end])
    }
}

/// The corpus files beside this source file, found through `#filePath`.
enum FramingCorpus {
    /// Request classes: `reject` (the gateway answers 4xx itself — 501 for an unknown transfer coding, 505
    /// for an unsupported version — and closes; the upstream receives nothing), `forward` (the upstream
    /// receives exactly one well-formed request carrying the body the client sent), `either` (RFC 9112
    /// allows both; one of the two must hold).
    static let requestClasses: Set = ["reject", "forward", "either"]
    /// Response classes: `502` (and the upstream connection is closed), `502-or-abort` (framing breaks
    /// mid-body: a 502, or a response cut off by closing the client connection; never a complete one),
    /// `forward` (status and body reach the client), `forward-until-close` (a response without a length,
    /// read until the upstream closed), `either` (502 or forward).
    static let responseClasses: Set = ["502", "502-or-abort", "forward", "forward-until-close", "either"]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let requests = load("Requests")
    static let responses = load("Responses")

    static func load(_ folder: String) -> [FramingCase] {
        let url = directory.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".http") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else { return nil }
            let parts = name.dropLast(".http".count).split(separator: ".")
            return FramingCase(file: name, expected: parts.count >= 2 ? String(parts.last!) : "", bytes: Array(data))
        }
    }
}
