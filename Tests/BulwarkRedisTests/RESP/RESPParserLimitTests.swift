import NIOCore
import Testing

@testable import BulwarkRedis

/// Nesting, length and line limits: hostile input is a clear error, never a crash or a huge allocation.
@Suite(.timeLimit(.minutes(1))) struct RESPParserLimitTests {
    static let attribute = "|1\r\n+a\r\n+b\r\n"

    /// Feeds `input` in `chunkSize`-byte pieces to one parser and returns every value, or the error.
    static func parse(_ input: String, chunkSize: Int = .max, parser: RESPParser = RESPParser()) -> Result<[RESPValue], RESPParseError> {
        var parser = parser
        let bytes = Array(input.utf8)
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        var start = 0
        repeat {
            let end = start + min(chunkSize, bytes.count - start)
            RESPIncrementalParsingTests.append(bytes[start..<end], to: &buffer)
            start = end
            do {
                while let value = try parser.parse(&buffer) { values.append(value) }
            } catch {
                return .failure(error)
            }
        } while start < bytes.count
        return .success(values)
    }

    static func nestedArrays(_ depth: Int) -> (input: String, value: RESPValue) {
        var value = RESPValue.integer(1)
        for _ in 0..<depth { value = .array([value]) }
        return (String(repeating: "*1\r\n", count: depth) + ":1\r\n", value)
    }

    @Test(arguments: [1, 7, Int.max])
    func nestingJustUnderTheLimitParses(chunkSize: Int) throws {
        let arrays = Self.nestedArrays(RESPParser.defaultMaximumDepth)
        #expect(try Self.parse(arrays.input, chunkSize: chunkSize).get() == [arrays.value])

        let attributes = String(repeating: Self.attribute, count: RESPParser.defaultMaximumDepth) + ":7\r\n"
        #expect(try Self.parse(attributes, chunkSize: chunkSize).get() == [.integer(7)])

        // Attributes and aggregates share one budget.
        let half = RESPParser.defaultMaximumDepth / 2
        let mixed = String(repeating: "*1\r\n" + Self.attribute, count: half) + ":7\r\n"
        var expected = RESPValue.integer(7)
        for _ in 0..<half { expected = .array([expected]) }
        #expect(try Self.parse(mixed, chunkSize: chunkSize).get() == [expected])
    }

    @Test(arguments: [1, 7, Int.max])
    func nestingOneLevelDeeperIsAnError(chunkSize: Int) {
        let limit = RESPParser.defaultMaximumDepth
        let inputs = [
            Self.nestedArrays(limit + 1).input,
            String(repeating: Self.attribute, count: limit + 1) + ":7\r\n",
            String(repeating: "*1\r\n" + Self.attribute, count: limit / 2) + Self.attribute + ":7\r\n",
            String(repeating: "%1\r\n+k\r\n", count: limit + 1) + ":1\r\n",
            String(repeating: "~1\r\n", count: limit) + ">1\r\n:1\r\n",
        ]
        for input in inputs {
            guard case .failure(let error) = Self.parse(input, chunkSize: chunkSize) else {
                Issue.record("accepted \(input.prefix(40))…")
                continue
            }
            #expect(error.reason.contains("nesting deeper than \(limit)"))
        }
    }

    @Test(arguments: [1, 100, Int.max])
    func aHundredThousandChainedAttributesAreAnErrorNotACrash(chunkSize: Int) {
        let input = String(repeating: Self.attribute, count: 100_000) + "+value\r\n"
        guard case .failure(let error) = Self.parse(input, chunkSize: chunkSize) else {
            Issue.record("a 100k attribute chain was accepted")
            return
        }
        #expect(error.reason.contains("nesting deeper than"))
    }

    @Test func aHundredThousandNestedArraysAreAnErrorNotACrash() {
        let input = String(repeating: "*1\r\n", count: 100_000) + ":1\r\n"
        #expect(throws: RESPParseError.self) { try Self.parse(input).get() }
    }

    @Test func theDepthIsAParameter() throws {
        let shallow = RESPParser(maximumDepth: 2)
        #expect(try Self.parse(Self.nestedArrays(2).input, parser: shallow).get() == [Self.nestedArrays(2).value])
        #expect(throws: RESPParseError.self) { try Self.parse(Self.nestedArrays(3).input, parser: shallow).get() }
        #expect(throws: RESPParseError.self) { try Self.parse(Self.attribute + Self.attribute + Self.attribute + ":1\r\n", parser: shallow).get() }
        // Empty aggregates hold nothing and add no level.
        #expect(try Self.parse("*1\r\n*1\r\n*0\r\n", parser: shallow).get() == [.array([.array([.array([])])])])
    }

    @Test func anAttributeAnnotatesOneValueInsideAnAggregate() throws {
        let values = try Self.parse("*3\r\n:1\r\n|2\r\n+ttl\r\n:5\r\n+key\r\n*1\r\n+k\r\n:2\r\n:3\r\n|0\r\n+after\r\n").get()
        #expect(values == [.array([.integer(1), .integer(2), .integer(3)]), .simpleString("after")])
    }

    @Test func aHugeDeclaredAggregateIsNotAllocatedUpFront() throws {
        let limit = RESPParser.defaultMaximumLength
        // Each would need gigabytes if its declared size were reserved before its elements arrive.
        for marker in ["*", "~", ">", "%", "|"] {
            #expect(try Self.parse("\(marker)\(limit)\r\n:1\r\n:2\r\n:3\r\n").get() == [], "\(marker)")
        }
        #expect(try Self.parse("$\(limit)\r\nabc").get() == [])
    }

    @Test(arguments: ["*", "~", ">", "%", "|", "$", "!", "="])
    func lengthsBeyondTheLimitAreErrors(marker: String) {
        for length in [RESPParser.defaultMaximumLength + 1, 2_147_483_647, Int(Int64.max)] {
            #expect(throws: RESPParseError.self, "\(marker)\(length)") { try Self.parse("\(marker)\(length)\r\n").get() }
        }
        let small = RESPParser(maximumLength: 3)
        #expect(throws: RESPParseError.self) { try Self.parse("\(marker)4\r\n", parser: small).get() }
    }

    @Test(arguments: [1, 1000, Int.max])
    func linesBeyondTheLimitAreErrorsHoweverTheyArrive(chunkSize: Int) throws {
        let limit = RESPParser.defaultMaximumLineLength
        let fits = "+" + String(repeating: "a", count: limit) + "\r\n"
        #expect(try Self.parse(fits, chunkSize: chunkSize).get() == [.simpleString(String(repeating: "a", count: limit))])
        let tooLong = "+" + String(repeating: "a", count: limit + 1) + "\r\n"
        #expect(throws: RESPParseError.self) { try Self.parse(tooLong, chunkSize: chunkSize).get() }
        // Without a CR in sight, the error comes as soon as the limit is passed.
        #expect(throws: RESPParseError.self) { try Self.parse("-" + String(repeating: "e", count: limit + 1), chunkSize: chunkSize).get() }
    }

    @Test func afterAnErrorTheParserKeepsFailing() {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "?")
        #expect(throws: RESPParseError.self) { try parser.parse(&buffer) }
        var valid = ByteBuffer(string: "+OK\r\n")
        #expect(throws: RESPParseError.self) { try parser.parse(&valid) }
    }
}
