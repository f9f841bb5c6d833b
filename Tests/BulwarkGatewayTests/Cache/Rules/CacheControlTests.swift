@testable import BulwarkGateway
import NIOHTTP1
import PropertyBased
import Testing

@Suite("Cache-Control parsing (RFC 9111 §5.2)", .timeLimit(.minutes(1)))
struct CacheControlTests {
    @Test("§5.2: all field lines, comma lists, case-insensitive names, quoted arguments")
    func fieldLinesAndLists() {
        let headers = HTTPHeaders([("Cache-Control", "Public, MAX-AGE=\"60\""), ("cache-control", " ,s-maxage=30,, must-revalidate")])
        let cacheControl = ResponseCacheControl(headers: headers)
        #expect(cacheControl.isPublic)
        #expect(cacheControl.maxAge == 60)
        #expect(cacheControl.sharedMaxAge == 30)
        #expect(cacheControl.mustRevalidate)
        #expect(!cacheControl.noStore)
    }

    @Test("§5.2.2.4/§5.2.2.7: field-name forms of no-cache and private count as the plain directive")
    func fieldNameForms() {
        let cacheControl = ResponseCacheControl(headers: ["Cache-Control": "no-cache=\"Set-Cookie, X-Foo\", private=x"])
        #expect(cacheControl.noCache)
        #expect(cacheControl.isPrivate)
        #expect(CacheDirective.parse(fieldValue: "no-cache=\"a, b\", max-age=5").map(\.name) == ["no-cache", "max-age"])
    }

    @Test("RFC 9110 §5.6: garbage after an argument, unterminated quotes and nameless members are skipped")
    func lenientParsing() {
        #expect(CacheDirective.parse(fieldValue: "max-age=60 junk, public").map(\.name) == ["max-age", "public"])
        #expect(CacheDirective.parse(fieldValue: "=5, ,private") == [CacheDirective(name: "private")])
        #expect(CacheDirective.parse(fieldValue: "no-cache=\"a, b") == [CacheDirective(name: "no-cache", argument: "a, b")])
        #expect(CacheDirective.parse(fieldValue: "x=\"a\\\"b\"") == [CacheDirective(name: "x", argument: "a\"b")])
    }

    @Test("§4.2.1/§1.2.2: an invalid max-age or s-maxage means stale (0); duplicates take the smallest")
    func invalidAndDuplicateNumbers() {
        #expect(ResponseCacheControl(headers: ["Cache-Control": "max-age=abc"]).maxAge == 0)
        #expect(ResponseCacheControl(headers: ["Cache-Control": "max-age=-5"]).maxAge == 0)
        #expect(ResponseCacheControl(headers: ["Cache-Control": "max-age=1.5"]).maxAge == 0)
        #expect(ResponseCacheControl(headers: ["Cache-Control": "s-maxage"]).sharedMaxAge == 0)
        #expect(ResponseCacheControl(headers: ["Cache-Control": "max-age=100, max-age=10"]).maxAge == 10)
        #expect(ResponseCacheControl(headers: ["Cache-Control": "max-age=99999999999999999999"]).maxAge == DeltaSeconds.maximum)
    }

    @Test("RFC 5861: stale-while-revalidate and stale-if-error; invalid values are ignored, duplicates take the smallest")
    func staleExtensions() {
        let cacheControl = ResponseCacheControl(headers: ["Cache-Control": "stale-while-revalidate=30, stale-if-error=600, stale-if-error=300, immutable"])
        #expect(cacheControl.staleWhileRevalidate == 30)
        #expect(cacheControl.staleIfError == 300)
        #expect(cacheControl.immutable)
        #expect(ResponseCacheControl(headers: ["Cache-Control": "stale-while-revalidate=x"]).staleWhileRevalidate == nil)
    }

    @Test("§5.2.1: request directives; duplicates resolve to the most restrictive")
    func requestDirectives() {
        let request = RequestCacheControl(headers: ["Cache-Control": "no-cache, NO-STORE, max-age=20, max-age=10, min-fresh=5, min-fresh=9, only-if-cached"])
        #expect(request.noCache && request.noStore && request.onlyIfCached)
        #expect(request.maxAge == 10)
        #expect(request.minFresh == 9)
        #expect(RequestCacheControl(headers: ["Cache-Control": "max-stale"]).maxStale == .unlimited)
        #expect(RequestCacheControl(headers: ["Cache-Control": "max-stale, max-stale=7"]).maxStale == .seconds(7))
        #expect(RequestCacheControl(headers: ["Cache-Control": "max-stale=9, max-stale=4"]).maxStale == .seconds(4))
        #expect(RequestCacheControl(headers: ["Cache-Control": "max-stale=x"]).maxStale == nil)
        #expect(RequestCacheControl(headers: ["Cache-Control": "max-age=x"]).maxAge == nil)
    }

    @Test("§5.4: Pragma: no-cache counts only without Cache-Control")
    func pragma() {
        #expect(RequestCacheControl(headers: ["Pragma": "no-cache"]).noCache)
        #expect(!RequestCacheControl(headers: ["Pragma": "no-cache", "Cache-Control": "max-age=5"]).noCache)
    }

    @Test("a backslash before a combining mark is escaped (found by the cache-headers fuzzer)")
    func backslashBeforeCombiningMark() {
        let directive = CacheDirective(name: "x", argument: "a\\\u{0363}b")
        #expect(CacheDirective.parse(fieldValue: CacheDirective.format([directive])) == [directive])
    }

    @Test("property: parsing never crashes and a formatted directive list parses back to itself")
    func roundTrip() async {
        let names = ["no-store", "no-cache", "private", "public", "max-age", "s-maxage", "must-revalidate",
                     "stale-while-revalidate", "x-ext", "immutable"]
        let arguments = ["", "0", "60", "Set-Cookie, X-Foo", "a\"b", "back\\slash", "2147483648", "tok_en", "\\\u{0363}mark"]
        let directive = zip(Gen.element(of: names), Gen.element(of: arguments).optional).map { name, argument in
            CacheDirective(name: name!.uppercased(), argument: argument ?? nil)
        }
        let garbage = Gen.element(of: Array(" ,=\"\\;aZ9-\t\u{00e9}")).array(of: 0...30).map { String($0.compactMap { $0 }) }
        await propertyCheck(count: 200, input: directive.array(of: 0...8), garbage) { directives, noise in
            #expect(CacheDirective.parse(fieldValue: CacheDirective.format(directives)) == directives)
            _ = ResponseCacheControl(headers: ["Cache-Control": noise])
            _ = RequestCacheControl(headers: ["Cache-Control": noise])
        }
    }
}
