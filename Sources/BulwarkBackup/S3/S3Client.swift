import AsyncHTTPClient
import BulwarkConfig
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Resilience

/// A small S3 client for backups, on AsyncHTTPClient with ``SigV4Signer``: path-style requests, so it
/// works with AWS S3, MinIO, Ceph and other compatible stores. Files above 16 MiB go up as multipart
/// uploads (16 MiB parts, read one at a time). After an upload the object is read back and its SHA-256
/// compared with the archive's. Each request is retried (core `Retry`, 3 attempts).
final class S3Client: Sendable {
    /// Size of multipart parts (and the single-PUT limit); 16 MiB.
    let partSize: Int
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    let settings: BackupSettings.S3Settings
    let signer: SigV4Signer
    let host: String
    let baseURL: String
    let retry: Retry
    let logger: Logger

    init(settings: BackupSettings.S3Settings, accessKey: String, secretKey: String, logger: Logger, partSize: Int = 16 << 20) throws {
        self.settings = settings
        self.partSize = partSize
        self.logger = logger
        self.signer = SigV4Signer(accessKey: accessKey, secretKey: secretKey, region: settings.region)
        guard let components = URLComponents(string: settings.endpoint), let hostName = components.host else {
            throw BackupError("backup.s3.endpoint '\(settings.endpoint)' is not a URL")
        }
        let defaultPort = components.scheme == "https" ? 443 : 80
        self.host = components.port.map { $0 == defaultPort ? hostName : "\(hostName):\($0)" } ?? hostName
        self.baseURL = "\(components.scheme ?? "https")://\(host)"
        self.retry = try Retry(RetryConfiguration(
            name: "s3", maxAttempts: 3,
            backoff: Backoff.exponential(base: .milliseconds(200), multiplier: 2, maximum: .seconds(3)).jittered(.full),
            shouldRetry: { error in !(error is CancellationError) && !((error as? S3Error)?.isClientError ?? false) },
            logger: logger
        ))
    }

    /// `s3://bucket/prefix/key`.
    func location(of key: String) -> String { "s3://\(settings.bucket)/\(settings.prefix)\(key)" }

    // MARK: Operations

    /// Uploads `file`, then reads it back and checks its SHA-256 against `sha256`.
    func upload(file: URL, key: String, sha256: String) async throws -> String {
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        if size <= partSize {
            try await upload(data: try Data(contentsOf: file), key: key)
        } else {
            try await multipartUpload(file: file, key: key)
        }
        let remote = try await remoteSHA256(key: key)
        guard remote == sha256 else {
            throw BackupError("S3 copy of \(key) does not match: uploaded sha256 \(remote), archive \(sha256)")
        }
        logger.notice("backup uploaded", metadata: ["location": "\(location(of: key))", "bytes": "\(size)"])
        return location(of: key)
    }

    /// A single PUT.
    func upload(data: Data, key: String) async throws {
        _ = try await send("PUT", key: key, body: data)
    }

    /// Downloads `key` to `destination` (through a temporary file; both `0600`).
    func download(key: String, to destination: URL) async throws {
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".partial-download-\(destination.lastPathComponent)")
        let handle = try PrivateFile.create(at: partial)
        do {
            try await stream(key: key) { try handle.write(contentsOf: $0) }
            try handle.close()
            guard rename(partial.path, destination.path) == 0 else { throw BackupError("cannot move download into place") }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    /// Deletes `key` (missing keys are fine).
    func delete(key: String) async throws {
        _ = try await send("DELETE", key: key)
    }

    /// Creates the bucket (used by tests and first-time setup).
    func createBucket() async throws {
        _ = try await send("PUT", key: nil)
    }

    // MARK: Multipart

    private func multipartUpload(file: URL, key: String) async throws {
        let created = try await send("POST", key: key, query: [("uploads", "")])
        guard let uploadID = Self.xmlValue("UploadId", in: created) else { throw BackupError("S3 did not return an UploadId for \(key)") }
        do {
            guard let handle = FileHandle(forReadingAtPath: file.path) else { throw BackupError("cannot read \(file.path)") }
            defer { try? handle.close() }
            var etags: [String] = []
            var number = 1
            while let part = try handle.read(upToCount: partSize), !part.isEmpty {
                let (_, headers) = try await sendWithHeaders("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: part)
                guard let etag = headers.first(name: "ETag") else { throw BackupError("S3 returned no ETag for part \(number)") }
                etags.append(etag)
                number += 1
            }
            let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>" }.joined()
            let body = Data("<CompleteMultipartUpload>\(parts)</CompleteMultipartUpload>".utf8)
            let completed = try await send("POST", key: key, query: [("uploadId", uploadID)], body: body)
            if completed.contains("<Error>") { throw BackupError("S3 could not complete the upload of \(key): \(completed.prefix(300))") }
        } catch {
            _ = try? await send("DELETE", key: key, query: [("uploadId", uploadID)])
            throw error
        }
    }

    private func remoteSHA256(key: String) async throws -> String {
        var hasher = SHA256()
        try await stream(key: key) { hasher.update(data: $0) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Requests

    private func path(for key: String?) -> String {
        let bucket = "/" + SigV4Signer.uriEncode(settings.bucket, encodingSlash: true)
        guard let key else { return bucket }
        return bucket + "/" + SigV4Signer.uriEncode(settings.prefix + key, encodingSlash: false)
    }

    private func request(_ method: String, key: String?, query: [(String, String)], body: Data?) -> HTTPClientRequest {
        let path = path(for: key)
        let payloadHash = body.map { SigV4Signer.sha256Hex($0) } ?? Self.emptySHA256
        let headers = signer.signedHeaders(method: method, host: host, path: path, query: query, headers: [], payloadSHA256: payloadHash, date: Date())
        let queryString = query.map { "\(SigV4Signer.uriEncode($0.0, encodingSlash: true))=\(SigV4Signer.uriEncode($0.1, encodingSlash: true))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: baseURL + path + (queryString.isEmpty ? "" : "?" + queryString))
        request.method = .init(rawValue: method)
        for (name, value) in headers where name.lowercased() != "host" { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Length", value: String(body.count))
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    private func send(_ method: String, key: String?, query: [(String, String)] = [], body: Data? = nil) async throws -> String {
        try await sendWithHeaders(method, key: key, query: query, body: body).0
    }

    private func sendWithHeaders(_ method: String, key: String?, query: [(String, String)] = [], body: Data? = nil) async throws -> (String, HTTPHeaders) {
        try await retry.execute {
            let response = try await HTTPClient.shared.execute(self.request(method, key: key, query: query, body: body), timeout: .seconds(300))
            let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
            guard (200..<300).contains(Int(response.status.code)) || (method == "DELETE" && response.status.code == 404) else {
                throw S3Error(status: Int(response.status.code), operation: "\(method) \(self.location(of: key ?? ""))", body: text)
            }
            return (text, response.headers)
        }
    }

    private func stream(key: String, _ consume: (Data) throws -> Void) async throws {
        let response = try await HTTPClient.shared.execute(request("GET", key: key, query: [], body: nil), timeout: .seconds(3600))
        guard response.status.code == 200 else {
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            throw S3Error(status: Int(response.status.code), operation: "GET \(location(of: key))", body: text)
        }
        for try await buffer in response.body { try consume(Data(buffer.readableBytesView)) }
    }

    static func xmlValue(_ tag: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(tag)>"), let end = xml.range(of: "</\(tag)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}

/// S3 answered with an error status.
struct S3Error: Error, CustomStringConvertible {
    let status: Int
    let operation: String
    let body: String
    var isClientError: Bool { (400..<500).contains(status) && status != 408 && status != 429 }
    var description: String {
        let code = S3Client.xmlValue("Code", in: body).map { " \($0)" } ?? ""
        let message = S3Client.xmlValue("Message", in: body).map { ": \($0)" } ?? ""
        return "S3 \(operation) answered HTTP \(status)\(code)\(message)"
    }
}
