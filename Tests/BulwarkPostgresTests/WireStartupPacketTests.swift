import BulwarkPostgresWire
import NIOCore
import PropertyBased
import Testing

@Suite("Postgres wire: startup packets")
struct WireStartupPacketTests {
    private func read(_ bytes: [UInt8]) throws -> (request: StartupRequest, raw: ByteBuffer, left: Int)? {
        var reader = StartupPacketReader()
        var buffer = ByteBuffer(bytes: bytes)
        guard let (request, raw) = try reader.read(from: &buffer) else { return nil }
        return (request, raw, buffer.readableBytes)
    }

    private func error(_ bytes: [UInt8]) -> StartupPacketError? {
        var reader = StartupPacketReader()
        var buffer = ByteBuffer(bytes: bytes)
        do {
            _ = try reader.read(from: &buffer)
            return nil
        } catch {
            #expect(buffer.readableBytes == bytes.count, "a failed read consumed bytes")
            return error as? StartupPacketError
        }
    }

    @Test("a startup message gives its parameters, user, database and application name, and its raw bytes")
    func startupMessage() throws {
        let bytes = WireBytes.startup([("user", "app"), ("database", "shop"), ("application_name", "psql"), ("options", "-c x=1")])
        let result = try #require(try read(bytes + [0x51]))
        guard case .startup(let message) = result.request else {
            Issue.record("not a startup: \(result.request)")
            return
        }
        #expect(message.protocolVersion == 196_608)
        #expect(message.parameters == ["user": "app", "database": "shop", "application_name": "psql", "options": "-c x=1"])
        #expect(message.user == "app")
        #expect(message.database == "shop")
        #expect(message.applicationName == "psql")
        #expect(Array(result.raw.readableBytesView) == bytes)
        #expect(result.left == 1)
    }

    @Test("the database defaults to the user when absent or empty; a repeated name keeps its last value")
    func databaseDefaultsToUser() throws {
        for pairs in [[("user", "app")], [("user", "app"), ("database", "")]] {
            let result = try #require(try read(WireBytes.startup(pairs)))
            guard case .startup(let message) = result.request else { Issue.record("not a startup"); continue }
            #expect(message.database == "app")
            #expect(message.applicationName == nil)
        }
        let repeated = try #require(try read(WireBytes.startup([("user", "a"), ("user", "b")])))
        #expect(repeated.request == .startup(StartupMessage(user: "b")))
    }

    @Test("any 3.x minor version is accepted (3.2 too)")
    func minorVersions() throws {
        let result = try #require(try read(WireBytes.startup([("user", "app")], version: StartupMessage.protocol3_2)))
        guard case .startup(let message) = result.request else { Issue.record("not a startup"); return }
        #expect(message.protocolVersion == 196_610)
    }

    @Test("SSLRequest and GSSENCRequest")
    func encryptionRequests() throws {
        #expect(try read(WireBytes.packet(WireBytes.int32(80_877_103)))?.request == .sslRequest)
        #expect(try read(WireBytes.packet(WireBytes.int32(80_877_104)))?.request == .gssEncryptionRequest)
        // Exactly 8 bytes.
        #expect(error(WireBytes.packet(WireBytes.int32(80_877_103) + [0])) == .invalidLength(9))
    }

    @Test("an SSLRequest followed by the startup message: the same reader reads both")
    func sslThenStartup() throws {
        var reader = StartupPacketReader()
        var buffer = ByteBuffer(bytes: WireBytes.packet(WireBytes.int32(80_877_103)) + WireBytes.startup([("user", "app")]))
        #expect(try reader.read(from: &buffer)?.request == .sslRequest)
        #expect(try reader.read(from: &buffer)?.request == .startup(StartupMessage(user: "app")))
        #expect(buffer.readableBytes == 0)
    }

    @Test("a cancel request with a 4-byte (3.0) and a 32-byte (3.2) key; other key lengths are refused")
    func cancel() throws {
        let short = try read(WireBytes.packet(WireBytes.int32(80_877_102) + WireBytes.int32(4242) + [1, 2, 3, 4]))
        #expect(short?.request == .cancel(BackendKey(processID: 4242, secretKey: [1, 2, 3, 4])))
        let long = Array(UInt8(0)..<32)
        let longer = try read(WireBytes.packet(WireBytes.int32(80_877_102) + WireBytes.int32(-7) + long))
        #expect(longer?.request == .cancel(BackendKey(processID: -7, secretKey: long)))
        let longest = [UInt8](repeating: 9, count: 256)
        #expect(try read(WireBytes.packet(WireBytes.int32(80_877_102) + WireBytes.int32(1) + longest))?.request
            == .cancel(BackendKey(processID: 1, secretKey: longest)))
        #expect(error(WireBytes.packet(WireBytes.int32(80_877_102) + WireBytes.int32(1) + [1, 2, 3])) == .invalidLength(15))
        #expect(error(WireBytes.packet(WireBytes.int32(80_877_102) + WireBytes.int32(1) + longest + [0])) == .invalidLength(269))
    }

    @Test("a startup message without a user, or with an empty one, is refused")
    func missingUser() {
        #expect(error(WireBytes.startup([("database", "shop")])) == .missingUser)
        #expect(error(WireBytes.startup([("user", "")])) == .missingUser)
        #expect(error(WireBytes.startup([])) == .missingUser)
    }

    @Test("lengths under 8 or over 10,000 are refused as soon as the length field is in")
    func badLengths() {
        for length: Int32 in [0, 4, 7, -1, 10_001, .max] {
            #expect(error(WireBytes.int32(length)) == .invalidLength(Int(length)))
        }
        // A startup message needs room for at least the final NUL.
        #expect(error(WireBytes.packet(WireBytes.int32(196_608))) == .invalidLength(8))
        // 10,000 itself is fine.
        let padding = String(repeating: "x", count: 10_000 - 15)
        #expect(WireBytes.startup([("user", padding)]).count == 10_000)
        #expect((try? read(WireBytes.startup([("user", padding)]))) != nil)
        #expect(error(WireBytes.startup([("user", padding + "x")])) == .invalidLength(10_001))
    }

    @Test("protocol 2.0 and unknown request codes are unsupported")
    func unsupportedProtocols() {
        #expect(error(WireBytes.startup([("user", "app")], version: 2 << 16)) == .unsupportedProtocol(131_072))
        #expect(error(WireBytes.startup([("user", "app")], version: 4 << 16)) == .unsupportedProtocol(262_144))
        #expect(error(WireBytes.packet(WireBytes.int32(80_877_105))) == .unsupportedProtocol(80_877_105))
        // Refused from the first 8 bytes, before the rest arrives.
        #expect(error(WireBytes.int32(100) + WireBytes.int32(2 << 16)) == .unsupportedProtocol(131_072))
    }

    @Test("malformed parameter lists are refused")
    func malformedParameters() {
        let version = WireBytes.int32(196_608)
        // No final NUL.
        #expect(error(WireBytes.packet(version + WireBytes.cString("user") + WireBytes.cString("app"))) == .malformedParameters)
        // A name without a value.
        #expect(error(WireBytes.packet(version + WireBytes.cString("user") + [0x61])) == .malformedParameters)
        // Bytes after the final NUL.
        #expect(error(WireBytes.packet(version + WireBytes.cString("user") + WireBytes.cString("app") + [0, 0])) == .malformedParameters)
        #expect(error(WireBytes.packet(version + WireBytes.cString("user") + WireBytes.cString("app") + [0, 0x41])) == .malformedParameters)
    }

    @Test("nothing is read or thrown until the packet is complete, then it is consumed exactly")
    func incremental() throws {
        let bytes = WireBytes.startup([("user", "app"), ("database", "shop")])
        var reader = StartupPacketReader()
        var buffer = ByteBuffer()
        for (index, byte) in bytes.enumerated() {
            buffer.writeInteger(byte)
            let result = try reader.read(from: &buffer)
            if index < bytes.count - 1 {
                #expect(result == nil)
                #expect(buffer.readableBytes == index + 1)
            } else {
                #expect(result?.request == .startup(StartupMessage(user: "app", database: "shop")))
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    @Test("errors name the problem")
    func descriptions() {
        #expect(StartupPacketError.unsupportedProtocol(2 << 16).description.contains("2.0"))
        #expect(StartupPacketError.invalidLength(3).description.contains("3"))
        #expect(StartupPacketError.missingUser.description.contains("user"))
        #expect(!StartupPacketError.malformedParameters.description.isEmpty)
    }

    @Test("property: an encoded request reads back as itself, split anywhere")
    func roundTrip() async {
        let word = Gen.letterOrNumber.string(of: 0...12)
        await propertyCheck(
            input: word.array(of: 0...6), word.array(of: 6), Gen.int(in: 0...3), Gen.int32(), Gen.int(in: 0...1_000)
        ) { names, values, kind, processID, cut in
            var parameters = ["user": "u" + (values.first ?? "")]
            for (index, name) in names.enumerated() where !name.isEmpty { parameters[name] = values[index] }
            let request: StartupRequest = switch kind {
            case 0: .startup(try! StartupMessage(parameters: parameters))
            case 1: .sslRequest
            case 2: .gssEncryptionRequest
            default: .cancel(BackendKey(processID: processID, secretKey: Array(repeating: 7, count: 4 + abs(cut) % 253)))
            }
            var encoded = ByteBuffer()
            request.encode(into: &encoded)
            let bytes = Array(encoded.readableBytesView)
            let split = cut % (bytes.count + 1)
            var reader = StartupPacketReader()
            var buffer = ByteBuffer(bytes: bytes[..<split])
            let early = try? reader.read(from: &buffer)
            #expect(split == bytes.count || early == nil)
            if split < bytes.count {
                buffer.writeBytes(bytes[split...])
                let late = try? reader.read(from: &buffer)
                #expect(late?.request == request)
                #expect(late.map { Array($0.raw.readableBytesView) } == bytes)
            } else {
                #expect(early?.request == request)
            }
            #expect(buffer.readableBytes == 0)
        }
    }
}
