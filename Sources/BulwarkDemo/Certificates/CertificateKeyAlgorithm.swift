import Crypto
import X509
import _CryptoExtras

/// The kind of key a certificate is made for.
///
/// ECDSA P-256 is small, fast and accepted by every current TLS client; RSA 2048 is for clients and
/// middleboxes that still need RSA.
public enum CertificateKeyAlgorithm: Sendable, Hashable, CaseIterable {
    /// ECDSA on the NIST P-256 curve, signatures with SHA-256.
    case ecdsaP256
    /// RSA with a 2048-bit modulus, PKCS #1 v1.5 signatures with SHA-256.
    case rsa2048
}

/// A freshly generated private key and its PEM text.
struct GeneratedKey: Sendable {
    /// The key, for signing and for its public half.
    var privateKey: Certificate.PrivateKey
    /// PKCS #8 (`-----BEGIN PRIVATE KEY-----`) PEM, which OpenSSL, BoringSSL and NIOSSL all load.
    var pem: String
}

extension CertificateKeyAlgorithm {
    /// Generates a new key from the system's secure random source.
    func generate() throws -> GeneratedKey {
        switch self {
        case .ecdsaP256:
            let key = P256.Signing.PrivateKey()
            return GeneratedKey(privateKey: Certificate.PrivateKey(key), pem: Self.endingInNewline(key.pemRepresentation))
        case .rsa2048:
            let key: _RSA.Signing.PrivateKey
            do {
                key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            } catch {
                throw CertificateFactoryError(.keyGeneration, "could not generate an RSA 2048 key: \(error)")
            }
            // `pemRepresentation` is PKCS #1 ("RSA PRIVATE KEY"); PKCS #8 is the one format every loader accepts.
            return GeneratedKey(privateKey: Certificate.PrivateKey(key), pem: Self.endingInNewline(key.pkcs8PEMRepresentation))
        }
    }

    /// swift-crypto ends RSA PEM with a newline but not ECDSA PEM; files end with one either way.
    private static func endingInNewline(_ pem: String) -> String {
        pem.hasSuffix("\n") ? pem : pem + "\n"
    }

    /// The key usages a certificate for this kind of key needs besides `digitalSignature`: RSA key
    /// transport (TLS 1.2 `TLS_RSA_*` suites) needs `keyEncipherment`; ECDSA keys never encipher.
    var needsKeyEncipherment: Bool {
        self == .rsa2048
    }
}
