@testable import BulwarkBench
import NIOCore
import Testing

/// The weighted mix: exact shares, spread evenly, and requests encoded once.
struct RequestMixTests {
    @Test("weights 8:2 send exactly 8 of every 10 as the first kind, spread so the second never comes twice in a row")
    func weights() {
        var mix = RequestMix([LoadRequest(weight: 8, pathAndQuery: "/a"), LoadRequest(weight: 2, method: "POST", pathAndQuery: "/b", body: [1, 2])], hostHeader: "127.0.0.1:1")
        let picks = (0..<1000).map { _ in mix.next() }
        #expect(picks.filter { $0 == 0 }.count == 800)
        #expect(!zip(picks, picks.dropFirst()).contains { $0 == 1 && $1 == 1 })
    }

    @Test("a request is encoded with Host, User-Agent and Content-Length; a given Host wins")
    func encoding() {
        let post = LoadRequest(method: "POST", pathAndQuery: "/items?x=1", headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        #expect(String(buffer: post.encoded(hostHeader: "[::1]:8080")) == "POST /items?x=1 HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: bulwark-bench\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        let own = LoadRequest(pathAndQuery: "/", headers: [("Host", "example.test")])
        #expect(String(buffer: own.encoded(hostHeader: "127.0.0.1")) == "GET / HTTP/1.1\r\nUser-Agent: bulwark-bench\r\nHost: example.test\r\n\r\n")
    }
}
