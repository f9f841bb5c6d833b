import BulwarkAuth
import PropertyBased
import Testing

/// Random sequences of inserts, purges and time steps against a reference that only remembers what was
/// inserted when: a token is revoked exactly while some matching entry is before its end.
@Suite("Revocation list properties")
struct RevocationListPropertyRevocationTests {
    static let maxTTL = 200.0
    static let leeway = 10.0

    /// An insert as the reference remembers it.
    struct Inserted {
        let entry: RevocationEntry
        let at: Double
    }

    /// The probes: four tokens (two with a jti), two users, iat absent, early or late.
    static let probes: [VerifiedToken] = (0..<4).flatMap { index in
        [nil, 100.0, 300.0].map { iat in
            VerifiedToken(
                issuer: "iss", subject: "u\(index % 2)", tokenID: index < 2 ? "j\(index)" : nil,
                issuedAt: iat, expiresAt: nil, claims: Claims([:]), fingerprint: "f\(index)"
            )
        }
    }

    static func expected(_ token: VerifiedToken, history: [Inserted], now: Double) -> Bool {
        history.contains { inserted in
            switch inserted.entry {
            case .token(let id, let expiresAt):
                let matches = id == "jti:\(token.tokenID ?? "-")" || id == "sha256:\(token.fingerprint)"
                let until = expiresAt.map { $0 + leeway } ?? inserted.at + maxTTL
                return matches && now < until
            case .subject(let issuer, let subject, let before):
                return issuer == token.issuer && subject == token.subject && (token.issuedAt ?? -.infinity) < before
                    && now < before + maxTTL + leeway
            }
        }
    }

    @Test("a revoked token stays revoked until its end and never after; purging changes no answer")
    func matchesTheReference() async {
        await propertyCheck(input: Gen.int(in: 0...9_999).array(of: 1...60)) { steps in
            var list = RevocationList(maxTTL: .seconds(Self.maxTTL), leeway: .seconds(Self.leeway))
            var history: [Inserted] = []
            var now = 0.0
            for step in steps {
                let (kind, index, amount) = (step % 5, (step / 5) % 4, Double(step / 20))
                switch kind {
                case 0: history.append(Inserted(entry: .token(id: "jti:j\(index)", expiresAt: now + amount - 20), at: now))
                case 1: history.append(Inserted(entry: .token(id: "sha256:f\(index)", expiresAt: index % 2 == 0 ? nil : now + amount), at: now))
                case 2: history.append(Inserted(entry: .subject(issuer: "iss", subject: "u\(index % 2)", before: now - 50 + amount), at: now))
                case 3: now += amount / 4
                default:
                    let answers = Self.probes.map { list.isRevoked($0, now: now) }
                    list.purgeExpired(now: now)
                    #expect(Self.probes.map { list.isRevoked($0, now: now) } == answers)
                }
                if kind < 3, let last = history.last { list.insert(last.entry, now: now) }
                let mismatches = Self.probes.filter { list.isRevoked($0, now: now) != Self.expected($0, history: history, now: now) }
                #expect(mismatches.isEmpty, "at \(now) after \(history.count) inserts")
            }
        }
    }
}
