import Testing

@testable import BulwarkAuth

@Suite("Revocation entries")
struct RevocationEntryRevocationTests {
    @Test("every entry round-trips through its encoding", arguments: [
        RevocationEntry.token(id: "jti:abc", expiresAt: 1_767_225_600.5),
        .token(id: "jti:a|b\nc|", expiresAt: nil),
        .token(id: "sha256:" + String(repeating: "0f", count: 32), expiresAt: 1),
        .subject(issuer: "https://id.example|x", subject: "user|42\n", before: 1_767_225_600.25),
        .subject(issuer: "", subject: "é漢", before: 0),
        .subject(issuer: "é漢|", subject: "", before: -5),
    ])
    func roundTrip(entry: RevocationEntry) {
        #expect(RevocationEntry(encoded: entry.encoded) == entry)
    }

    @Test("foreign text is not an entry", arguments: [
        "", "t|", "t|1|", "t|x|jti:a", "t|inf|jti:a", "s|1|", "s|1|9|short", "s|nan|0|x", "x|1|y", "s|1|-1|ab", "s|1|1|é",
    ])
    func foreign(text: String) {
        #expect(RevocationEntry(encoded: text) == nil)
    }

    @Test("a token is revoked by its jti, or by its fingerprint without one")
    func forToken() {
        #expect(RevocationEntry.forToken(RevocationFixture.token(jti: "j1", expiresAt: 99)) == .token(id: "jti:j1", expiresAt: 99))
        #expect(RevocationEntry.forToken(RevocationFixture.token(jti: nil, expiresAt: nil, fingerprint: "ff00")) == .token(id: "sha256:ff00", expiresAt: nil))
    }

    @Test("storage keys are stable, distinct per user and per before, and hide who the user is")
    func storageKeys() {
        #expect(RevocationEntry.token(id: "jti:j1", expiresAt: 5).storageKey == "t:jti:j1")
        #expect(RevocationEntry.token(id: "jti:j1", expiresAt: nil).storageKey == "t:jti:j1")
        let subject = RevocationEntry.subject(issuer: "iss", subject: "user-42", before: 1_767_225_600)
        #expect(subject.storageKey == RevocationEntry.subject(issuer: "iss", subject: "user-42", before: 1_767_225_600).storageKey)
        #expect(subject.storageKey.hasPrefix("s:") && subject.storageKey.hasSuffix(":1767225600000"))
        #expect(!subject.storageKey.contains("user-42"))
        // issuer + subject are separated, so ("ab", "c") and ("a", "bc") differ.
        #expect(RevocationEntry.subject(issuer: "ab", subject: "c", before: 1).storageKey != RevocationEntry.subject(issuer: "a", subject: "bc", before: 1).storageKey)
        #expect(subject.storageKey != RevocationEntry.subject(issuer: "iss", subject: "user-42", before: 1_767_225_601).storageKey)
    }

    @Test("log labels never hold a whole id")
    func logLabels() {
        let id = "jti:0123456789abcdef"
        #expect(RevocationEntry.token(id: id, expiresAt: nil).logLabel == "jti:01234567…")
        #expect(!RevocationEntry.subject(issuer: "iss", subject: "user-4242", before: 7).logLabel.contains("user-4242"))
    }

    @Test("an entry lasts until exp + leeway, max_ttl without exp, before + max_ttl + leeway for a user")
    func effectiveUntil() {
        #expect(RevocationEntry.token(id: "jti:a", expiresAt: 100).effectiveUntil(now: 50, maxTTL: 1000, leeway: 5) == 105)
        #expect(RevocationEntry.token(id: "jti:a", expiresAt: nil).effectiveUntil(now: 50, maxTTL: 1000, leeway: 5) == 1050)
        #expect(RevocationEntry.subject(issuer: "i", subject: "s", before: 40).effectiveUntil(now: 50, maxTTL: 1000, leeway: 5) == 1045)
    }
}

@Suite("Revocation verdicts")
struct RevocationVerdictRevocationTests {
    @Test("a known revocation always wins; out of step, only deny refuses", arguments: [
        (true, true, StoreFailurePolicy.allow, RevocationVerdict.revoked),
        (true, false, .deny, .revoked),
        (true, false, .allow, .revoked),
        (false, true, .deny, .allowed),
        (false, false, .deny, .unavailable),
        (false, false, .allow, .allowed),
    ])
    func decide(knownRevoked: Bool, synchronized: Bool, policy: StoreFailurePolicy, expected: RevocationVerdict) {
        #expect(RevocationVerdict.decide(knownRevoked: knownRevoked, synchronized: synchronized, policy: policy) == expected)
    }
}
