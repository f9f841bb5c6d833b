/// A protocol 3.x `StartupMessage`: the protocol version and the session parameters the client asked for.
///
/// ``user``, ``database`` and ``applicationName`` are read from ``parameters`` when the packet is parsed,
/// the way PostgreSQL reads them: the database defaults to the user name when absent or empty.
public struct StartupMessage: Sendable, Hashable {
    /// The version the client asked for: major in the upper 16 bits, minor in the lower (196608 = 3.0).
    public var protocolVersion: UInt32
    /// Every name/value pair of the packet (`user`, `database`, `application_name`, `options`, …); when a
    /// name repeats, the last value wins.
    public var parameters: [String: String]
    /// `parameters["user"]`; never empty in a parsed packet.
    public var user: String
    /// `parameters["database"]`, or ``user`` when it is absent or empty.
    public var database: String
    /// `parameters["application_name"]`, if the client sent one.
    public var applicationName: String?

    /// Protocol 3.0, what libpq sent before PostgreSQL 18: 196608.
    public static let protocol3_0: UInt32 = 3 << 16
    /// Protocol 3.2 (PostgreSQL 18: longer cancel keys): 196610.
    public static let protocol3_2: UInt32 = 3 << 16 | 2

    /// Derives ``user``, ``database`` and ``applicationName`` from `parameters`.
    ///
    /// - Throws: ``StartupPacketError/missingUser`` when `user` is absent or empty.
    public init(protocolVersion: UInt32 = Self.protocol3_0, parameters: [String: String]) throws(StartupPacketError) {
        guard let user = parameters["user"], !user.isEmpty else { throw .missingUser }
        self.protocolVersion = protocolVersion
        self.parameters = parameters
        self.user = user
        let database = parameters["database"] ?? ""
        self.database = database.isEmpty ? user : database
        self.applicationName = parameters["application_name"]
    }

    /// A 3.0 startup message for `user` (non-empty), with `database` and `application_name` set when given.
    public init(user: String, database: String? = nil, applicationName: String? = nil) {
        var parameters = ["user": user]
        parameters["database"] = database
        parameters["application_name"] = applicationName
        self.protocolVersion = Self.protocol3_0
        self.parameters = parameters
        self.user = user
        if let database, !database.isEmpty { self.database = database } else { self.database = user }
        self.applicationName = applicationName
    }
}
