import BulwarkAuth
import Testing

@Suite("Revocation list")
struct RevocationListRevocationTests {
    let t0 = RevocationFixture.epoch

    @Test("a token revoked by jti is refused until its exp + leeway, and not after")
    func byJTI() {
        var list = RevocationList(maxTTL: .seconds(3600), leeway: .seconds(30))
        let token = RevocationFixture.token(jti: "j1", expiresAt: t0 + 600)
        #expect(!list.isRevoked(token, now: t0))
        let added = list.insert(.forToken(token), now: t0)
        #expect(added)
        #expect(list.isRevoked(token, now: t0))
        #expect(list.isRevoked(token, now: t0 + 629.9))
        #expect(!list.isRevoked(token, now: t0 + 630))
        #expect(!list.isRevoked(RevocationFixture.token(jti: "j2"), now: t0), "another jti")
        #expect(list.isRevoked(RevocationFixture.token(jti: "j1", fingerprint: "other"), now: t0), "same jti, other bytes")
    }

    @Test("a token without jti is revoked by its fingerprint; without exp for max_ttl")
    func byFingerprint() {
        var list = RevocationList(maxTTL: .seconds(3600), leeway: .seconds(30))
        let token = RevocationFixture.token(jti: nil, expiresAt: nil, fingerprint: "beef")
        list.insert(.forToken(token), now: t0)
        #expect(list.isRevoked(token, now: t0 + 3599))
        #expect(!list.isRevoked(token, now: t0 + 3600))
        #expect(!list.isRevoked(RevocationFixture.token(jti: nil, fingerprint: "cafe"), now: t0))
        // A token with a jti is still refused when its bytes were revoked.
        #expect(list.isRevoked(RevocationFixture.token(jti: "j9", fingerprint: "beef"), now: t0))
    }

    @Test("logging a user out refuses their tokens issued before, and those without iat; not later ones")
    func subject() {
        var list = RevocationList(maxTTL: .seconds(3600), leeway: .seconds(30))
        list.insert(.subject(issuer: "https://id.example", subject: "user-42", before: t0 + 100), now: t0 + 100)
        #expect(list.isRevoked(RevocationFixture.token(issuedAt: t0 + 99), now: t0 + 100))
        #expect(list.isRevoked(RevocationFixture.token(issuedAt: nil), now: t0 + 100))
        #expect(!list.isRevoked(RevocationFixture.token(issuedAt: t0 + 100), now: t0 + 100), "issued at before: a new login")
        #expect(!list.isRevoked(RevocationFixture.token(subject: "user-43", issuedAt: t0), now: t0 + 100))
        #expect(!list.isRevoked(RevocationFixture.token(issuer: "https://other.example", issuedAt: t0), now: t0 + 100))
        #expect(!list.isRevoked(RevocationFixture.token(subject: nil, issuedAt: t0), now: t0 + 100))
        #expect(list.isRevoked(RevocationFixture.token(issuedAt: t0), now: t0 + 3729.9))
        #expect(!list.isRevoked(RevocationFixture.token(issuedAt: t0), now: t0 + 3730), "after before + max_ttl + leeway")
    }

    @Test("a later before wins; an earlier one changes nothing")
    func laterBeforeWins() {
        var list = RevocationList(maxTTL: .seconds(3600))
        let later = list.insert(.subject(issuer: "https://id.example", subject: "user-42", before: t0 + 200), now: t0)
        #expect(later)
        let earlier = list.insert(.subject(issuer: "https://id.example", subject: "user-42", before: t0 + 100), now: t0)
        #expect(!earlier)
        #expect(list.isRevoked(RevocationFixture.token(issuedAt: t0 + 150), now: t0))
        #expect(list.count == 1)
    }

    @Test("purging forgets only entries past their end")
    func purge() {
        var list = RevocationList(maxTTL: .seconds(1000), leeway: .seconds(10))
        list.insert(.token(id: "jti:short", expiresAt: t0 + 100), now: t0)
        list.insert(.token(id: "jti:long", expiresAt: t0 + 500), now: t0)
        list.insert(.token(id: "sha256:noexp", expiresAt: nil), now: t0)
        list.insert(.subject(issuer: "i", subject: "s", before: t0), now: t0)
        #expect(list.count == 4)
        let noneYet = list.purgeExpired(now: t0 + 109)
        #expect(noneYet == 0)
        let shortOne = list.purgeExpired(now: t0 + 110)
        #expect(shortOne == 1)
        let twoMore = list.purgeExpired(now: t0 + 1000)
        #expect(twoMore == 2, "long and the one without exp")
        #expect(list.count == 1)
        let theSubject = list.purgeExpired(now: t0 + 1010)
        #expect(theSubject == 1)
        #expect(list.count == 0)
    }

    @Test("entries past their end, and ids of an unknown kind, are not taken")
    func notTaken() {
        var list = RevocationList()
        let pastItsEnd = list.insert(.token(id: "jti:old", expiresAt: t0 - 1), now: t0)
        #expect(!pastItsEnd)
        let opaque = list.insert(.token(id: "opaque", expiresAt: nil), now: t0)
        #expect(!opaque)
        #expect(list.count == 0)
    }

    @Test("the entries listed refuse the same tokens as the list, and replaceAll forgets the rest")
    func entriesAndReplaceAll() {
        var list = RevocationList(maxTTL: .seconds(1000), leeway: .seconds(10))
        list.insert(.token(id: "jti:j1", expiresAt: t0 + 100), now: t0)
        list.insert(.token(id: "sha256:aa11", expiresAt: nil), now: t0)
        list.insert(.subject(issuer: "https://id.example", subject: "user-42", before: t0), now: t0)
        var copy = RevocationList(maxTTL: .seconds(1000), leeway: .seconds(10))
        copy.replaceAll(with: list.entries, now: t0 + 50)
        #expect(copy == list)
        copy.replaceAll(with: [.token(id: "jti:j2", expiresAt: nil)], now: t0)
        #expect(copy.count == 1)
        #expect(!copy.isRevoked(RevocationFixture.token(jti: "j1"), now: t0))
        #expect(copy.isRevoked(RevocationFixture.token(jti: "j2"), now: t0))
    }
}
