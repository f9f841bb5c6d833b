/// Decodes any JSON value, telling booleans from numbers (JSONDecoder refuses a number as `Bool` and a
/// boolean as `Double`, unlike `NSNumber` from JSONSerialization on Linux).
struct JSONClaim: Decodable {
    var value: ClaimValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            value = .number(number)
        } else if let string = try? container.decode(String.self) {
            value = .string(string)
        } else if let array = try? container.decode([JSONClaim].self) {
            value = .array(array.map(\.value))
        } else {
            value = .object(try container.decode([String: JSONClaim].self).mapValues(\.value))
        }
    }
}
