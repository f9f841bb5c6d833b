import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The certificate files `bulwark demo --tls` serves: a throwaway CA and a server certificate for the
/// given hosts, in a new private directory under the temporary directory.
///
/// ```swift
/// let files = try DemoTLSFiles.create(hosts: ["localhost", "127.0.0.1", "::1"])
/// // serve files.certificatePath + files.keyPath; clients trust files.caPath
/// files.remove()
/// ```
///
/// The CA's private key exists only in memory while ``create(hosts:now:)`` runs: it is never written,
/// so the CA can sign nothing more once the call returns.
public struct DemoTLSFiles: Sendable {
    /// The directory holding the files, created with mode `0700`.
    public let directory: String
    /// `ca.pem`: the CA certificate clients trust.
    public var caPath: String { directory + "/ca.pem" }
    /// `cert.pem`: the server's chain (here just its certificate, issued by the root).
    public var certificatePath: String { directory + "/cert.pem" }
    /// `key.pem`: the server's private key, mode `0600`.
    public var keyPath: String { directory + "/key.pem" }
    /// When the server certificate expires.
    public let notAfter: Date

    /// Makes a new CA (valid 30 days) and a server certificate for `hosts` (ECDSA P-256), and writes
    /// them to a new directory `bulwark-demo-tls-XXXXXX` under the temporary directory.
    ///
    /// - Parameters:
    ///   - hosts: DNS names and IP addresses the server certificate covers; at least one.
    ///   - now: The current time. Default the system clock.
    /// - Throws: ``CertificateFactoryError``.
    public static func create(hosts: [String], now: Date = Date()) throws -> DemoTLSFiles {
        let directory = try makePrivateDirectory()
        do {
            let authority = try CertificateAuthority.make(commonName: "Bulwark Demo CA", validFor: .seconds(86400 * 30), now: now)
            let server = try authority.issueServer(hosts: hosts, now: now)
            let files = DemoTLSFiles(directory: directory, notAfter: server.notAfter)
            try authority.write(certificate: files.caPath)
            try server.write(certificate: files.certificatePath, key: files.keyPath)
            return files
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Deletes the directory and the files in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func makePrivateDirectory() throws -> String {
        let parent = FileManager.default.temporaryDirectory.path
        var template = Array((parent.hasSuffix("/") ? parent : parent + "/").utf8CString.dropLast()) + Array("bulwark-demo-tls-XXXXXX".utf8CString)
        // mkdtemp creates the directory with mode 0700 under a name no one else can have taken.
        guard let made = mkdtemp(&template) else {
            throw CertificateFactoryError(.fileWrite, "could not create a directory in \(parent): \(String(cString: strerror(errno))); set TMPDIR to a writable directory")
        }
        return String(cString: made)
    }
}
