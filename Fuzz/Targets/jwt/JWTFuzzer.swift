@testable import BulwarkAuth
import Dispatch

/// Feeds the input to what a gateway does with a client's `Authorization` field: the bearer-credential
/// parser, then the token verifier (an HS256 issuer whose secret the input cannot know). Nothing may
/// trap, and: no input verifies; a refusal's description never quotes the token; verifying the same
/// token twice decides the same way.
@_cdecl("LLVMFuzzerTestOneInput")
public func jwtFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let values = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    switch BearerCredential.parse(authorizationValues: values) {
    case .absent:
        return 0
    case .malformed(let failure):
        if values.count == 1, let token = values.first?.split(separator: " ").last, token.count >= 16, failure.detail.contains(token) {
            fatalError("a malformed credential's description quotes it: \(failure)")
        }
    case .token(let token):
        let first = FuzzVerifier.shared.verify(token, now: 1_800_000_000)
        let second = FuzzVerifier.shared.verify(token, now: 1_800_000_000)
        switch (first, second) {
        case (.verified, _):
            fatalError("an input verified without the secret")
        case (.refused(let a), .refused(let b)):
            if a != b { fatalError("the same token was refused two ways: \(a) / \(b)") }
            if token.count >= 16, a.detail.contains(token) || a.challenge().contains(token) {
                fatalError("a refusal quotes the token: \(a)")
            }
        case (.unknownKey(let a, let b), .unknownKey(let c, let d)):
            if a != c || b != d { fatalError("the same token named two keys") }
        default:
            fatalError("the same token was decided two ways: \(first) / \(second)")
        }
    }
    return 0
}

/// One verifier for every input: an HS256 issuer `https://issuer.fuzz` with a random secret.
enum FuzzVerifier {
    static let shared: TokenVerifier = {
        let secret = (0..<32).map { _ in String(UInt8.random(in: 97...122), radix: 16) }.joined()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var keys: VerificationKeySet?
        Task {
            keys = try? await VerificationKeySet.load(secret: secret, algorithms: ["HS256"])
            done.signal()
        }
        done.wait()
        guard let keys else { fatalError("the fuzz key set did not load") }
        return TokenVerifier(
            issuers: [.init(issuer: "https://issuer.fuzz", audiences: ["api"], algorithms: ["HS256"], keys: keys)], leeway: .seconds(30)
        )
    }()
}
