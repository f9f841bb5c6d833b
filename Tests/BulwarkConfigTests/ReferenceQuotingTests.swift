@testable import BulwarkConfig
import Testing

@Suite("Quoting standalone ${VAR} references before YAML parsing")
struct ReferenceQuotingTests {
    @Test("a reference that is a whole value outside quotes is quoted; nothing else changes", arguments: [
        ("check: { password: ${PW}, user: u }", "check: { password: \"${PW}\", user: u }"),
        ("password: ${PW}", "password: \"${PW}\""),
        ("servers: [${A}, ${B:-db2:5432}]", "servers: [\"${A}\", \"${B:-db2:5432}\"]"),
        ("  - ${ITEM}", "  - \"${ITEM}\""),
        ("url: postgres://u:${PW}@h/db", "url: postgres://u:${PW}@h/db"),
        ("password: \"${PW}\"", "password: \"${PW}\""),
        ("password: '${PW}'", "password: '${PW}'"),
        ("x: 1 # see ${PW}", "x: 1 # see ${PW}"),
        ("x: $${PW}", "x: $${PW}"),
        ("x: ${PW}suffix", "x: ${PW}suffix"),
        ("x: ${UNTERMINATED", "x: ${UNTERMINATED"),
    ])
    func quoting(input: String, expected: String) {
        #expect(ReferenceQuoting.quoteStandaloneReferences(in: input) == expected)
    }

    @Test("a flow mapping with a reference parses and expands to the variable's value")
    func flowMappingParses() throws {
        let yaml = """
        server: { listen: "127.0.0.1:8080" }
        redis: { url: ${REDIS_URL} }
        """
        let configuration = try BulwarkConfiguration.parse(yaml: yaml, environment: ["REDIS_URL": "redis://127.0.0.1:6390"])
        #expect(configuration.redis?.url == "redis://127.0.0.1:6390")
    }
}
