import Foundation
import Testing

@testable import BulwarkBackup

/// The worked examples from AWS's "Signature Calculations for the Authorization Header" page for S3:
/// access key AKIAIOSFODNN7EXAMPLE, the example secret key, region us-east-1, 2013-05-24T00:00:00Z.
@Suite("SigV4 signing", .timeLimit(.minutes(1)))
struct SigV4SignerTests {
    static let signer = SigV4Signer(
        accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1"
    )
    static let date = Date(timeIntervalSince1970: 1_369_353_600)   // 2013-05-24T00:00:00Z
    static let host = "examplebucket.s3.amazonaws.com"
    static let emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The `Authorization` value the examples print.
    static func authorization(signedHeaders: String, signature: String) -> String {
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            + "SignedHeaders=\(signedHeaders),Signature=\(signature)"
    }

    /// The value of header `name` among `headers`.
    static func value(_ name: String, in headers: [(String, String)]) -> String? {
        headers.first { $0.0 == name }?.1
    }

    @Test("payload hashes")
    func payloadHashes() {
        #expect(SigV4Signer.sha256Hex(Data()) == Self.emptyPayload)
        #expect(SigV4Signer.sha256Hex(Data("Welcome to Amazon S3.".utf8))
            == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(SigV4Signer.sha256Hex(Array("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("GET Object with a Range header")
    func getObject() {
        let headers = Self.signer.signedHeaders(
            method: "GET", host: Self.host, path: "/test.txt", query: [], headers: [("Range", "bytes=0-9")],
            payloadSHA256: Self.emptyPayload, date: Self.date
        )
        #expect(headers.map { "\($0.0): \($0.1)" } == [
            "host: examplebucket.s3.amazonaws.com",
            "x-amz-date: 20130524T000000Z",
            "x-amz-content-sha256: \(Self.emptyPayload)",
            "Authorization: " + Self.authorization(
                signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
                signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            ),
        ])
    }

    @Test("GET Object: the canonical request and string to sign match the documented ones")
    func getObjectIntermediates() {
        let request = SigV4CanonicalRequest(
            method: "GET", path: "/test.txt", query: [],
            headers: [
                ("Host", Self.host), ("Range", "bytes=0-9"), ("x-amz-content-sha256", Self.emptyPayload),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payloadSHA256: Self.emptyPayload
        )
        #expect(request.text == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:\(Self.emptyPayload)
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            \(Self.emptyPayload)
            """)
        #expect(Self.signer.stringToSign(for: request, at: SigV4Timestamp(Self.date)) == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
    }

    @Test("PUT Object with a storage class, a Date header and an encoded key")
    func putObject() {
        let payload = SigV4Signer.sha256Hex(Data("Welcome to Amazon S3.".utf8))
        let headers = Self.signer.signedHeaders(
            method: "PUT", host: Self.host, path: "/" + SigV4Signer.uriEncode("test$file.text", encodingSlash: false),
            query: [],
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadSHA256: payload, date: Self.date
        )
        #expect(Self.value("x-amz-content-sha256", in: headers) == payload)
        #expect(Self.value("Authorization", in: headers) == Self.authorization(
            signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        ))
    }

    @Test("GET Bucket Lifecycle: a query key without a value")
    func getBucketLifecycle() {
        let headers = Self.signer.signedHeaders(
            method: "GET", host: Self.host, path: "/", query: [("lifecycle", "")], headers: [],
            payloadSHA256: Self.emptyPayload, date: Self.date
        )
        #expect(Self.value("Authorization", in: headers) == Self.authorization(
            signedHeaders: "host;x-amz-content-sha256;x-amz-date",
            signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
        ))
    }

    @Test("GET Bucket (List Objects): query parameters are sorted")
    func listObjects() {
        let headers = Self.signer.signedHeaders(
            method: "GET", host: Self.host, path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [],
            payloadSHA256: Self.emptyPayload, date: Self.date
        )
        #expect(Self.value("Authorization", in: headers) == Self.authorization(
            signedHeaders: "host;x-amz-content-sha256;x-amz-date",
            signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
        ))
    }

    @Test("a Host header given by the caller is signed and not added again; supplied headers are replaced")
    func callerHeaders() {
        let withHost = Self.signer.signedHeaders(
            method: "GET", host: Self.host, path: "/test.txt", query: [],
            headers: [("Host", Self.host), ("Range", "bytes=0-9"), ("X-Amz-Date", "19990101T000000Z")],
            payloadSHA256: Self.emptyPayload, date: Self.date
        )
        #expect(withHost.map(\.0) == ["x-amz-date", "x-amz-content-sha256", "Authorization"])
        #expect(Self.value("Authorization", in: withHost)?.hasSuffix(
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == true)
        let unsigned = Self.signer.signedHeaders(
            method: "GET", host: "127.0.0.1:9000", path: "/bucket/key", query: [], headers: [],
            payloadSHA256: "UNSIGNED-PAYLOAD", date: Self.date
        )
        #expect(Self.value("host", in: unsigned) == "127.0.0.1:9000")
        #expect(Self.value("x-amz-content-sha256", in: unsigned) == "UNSIGNED-PAYLOAD")
    }

    @Test("canonical query strings and headers")
    func canonicalForms() {
        let request = SigV4CanonicalRequest(
            method: "GET", path: "", query: [("b", "2"), ("a", "z"), ("a", "y"), ("k", ""), ("s p", "a/b+c")],
            headers: [("X-Custom", "  a   b\t c  "), ("x-multi", "one"), ("X-Multi", " two ")],
            payloadSHA256: "UNSIGNED-PAYLOAD"
        )
        #expect(request.path == "/")
        #expect(request.canonicalQuery == "a=y&a=z&b=2&k=&s%20p=a%2Fb%2Bc")
        #expect(request.canonicalHeaders.map { "\($0.name):\($0.value)" } == ["x-custom:a b c", "x-multi:one,two"])
        #expect(request.signedHeaders == "x-custom;x-multi")
    }

    @Test("URI encoding keeps unreserved characters and encodes everything else as uppercase %XX")
    func uriEncoding() {
        #expect(SigV4Signer.uriEncode("AZaz09-_.~", encodingSlash: true) == "AZaz09-_.~")
        #expect(SigV4Signer.uriEncode("db/2026 11 23.dump", encodingSlash: false) == "db/2026%2011%2023.dump")
        #expect(SigV4Signer.uriEncode("db/2026 11 23.dump", encodingSlash: true) == "db%2F2026%2011%2023.dump")
        #expect(SigV4Signer.uriEncode("test$file.text", encodingSlash: false) == "test%24file.text")
        #expect(SigV4Signer.uriEncode("+=&?*%", encodingSlash: true) == "%2B%3D%26%3F%2A%25")
        #expect(SigV4Signer.uriEncode("é", encodingSlash: true) == "%C3%A9")
        #expect(SigV4Signer.uriEncode("", encodingSlash: true) == "")
    }

    @Test("timestamps are UTC, whole seconds")
    func timestamps() {
        let stamp = SigV4Timestamp(Self.date.addingTimeInterval(3_661.75))
        #expect(stamp.amzDate == "20130524T010101Z")
        #expect(stamp.dateStamp == "20130524")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 1_767_225_599)).amzDate == "20251231T235959Z")
    }
}
