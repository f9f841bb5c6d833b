import BulwarkConfig
import Testing

@Suite("PostgreSQL clusters (postgres:)", .timeLimit(.minutes(1)))
struct PostgresConfigTests {
    /// The issue's example, with the password from the environment.
    static let example = """
    postgres:
      main:
        servers: ["10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432"]
        check: { user: monitor, password: "${PG_MONITOR_PASSWORD}", database: postgres, interval: 2s, timeout: 1s }
        listen:
          primary: "127.0.0.1:6432"
          replicas: "127.0.0.1:6433"
        max_replica_lag: 5s
        max_server_connections: 100
        queue_timeout: 5s
        slow_query: { warning: 1s, error: 3s }
    """

    static let secret = "s3cr3t-Pa55"

    /// A file holding only `cluster`'s settings under `postgres.main` (indented by the caller's layout).
    static func cluster(_ body: String, name: String = "main") -> String {
        "postgres:\n  \(name):\n" + body.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n")
    }

    static func issues(_ yaml: String, environment: [String: String] = ["PG_MONITOR_PASSWORD": secret]) -> [String] {
        do {
            _ = try BulwarkConfiguration.parse(yaml: yaml, environment: environment)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    static func expect(_ found: [String], _ keyPath: String, _ start: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.contains { $0.hasPrefix("\(keyPath): \(start)") }, "\(found)", sourceLocation: sourceLocation)
    }

    @Test("no postgres: section has no clusters; an empty one neither")
    func absent() throws {
        #expect(try BulwarkConfiguration.parse(yaml: "").postgres.isEmpty)
        #expect(try BulwarkConfiguration.parse(yaml: "postgres: {}").postgres.isEmpty)
    }

    @Test("the issue's example is read in full, the password from the environment")
    func example() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.example, environment: ["PG_MONITOR_PASSWORD": Self.secret])
        let cluster = try #require(configuration.postgres.first)
        #expect(configuration.postgres.count == 1)
        #expect(cluster.name == "main")
        #expect(cluster.servers.map(\.description) == ["10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432"])
        #expect(cluster.check.user == "monitor" && cluster.check.database == "postgres")
        #expect(cluster.check.password == Self.secret)
        #expect(cluster.check.interval == .seconds(2) && cluster.check.timeout == .seconds(1))
        #expect(cluster.listen.primary == ListenAddress(host: "127.0.0.1", port: 6432))
        #expect(cluster.listen.replicas == ListenAddress(host: "127.0.0.1", port: 6433))
        #expect(cluster.maxReplicaLag == .seconds(5) && cluster.maxServerConnections == 100 && cluster.queueTimeout == .seconds(5))
        #expect(cluster.slowQuery.warning == .seconds(1) && cluster.slowQuery.error == .seconds(3) && !cluster.slowQuery.logParameters)
    }

    @Test("missing keys take the documented defaults")
    func defaults() throws {
        let yaml = Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }")
        let cluster = try #require(try BulwarkConfiguration.parse(yaml: yaml).postgres.first)
        var expected = PostgresClusterSettings(
            name: "main", servers: [PostgresServerAddress(host: "db1", port: 5432)],
            listen: PostgresListenSettings(primary: ListenAddress(host: "127.0.0.1", port: 6432))
        )
        #expect(cluster == expected)
        #expect(cluster.check.user == "postgres" && cluster.check.database == "postgres" && cluster.check.password == nil)
        #expect(cluster.check.interval == .seconds(2) && cluster.check.timeout == .seconds(1))
        #expect(cluster.maxReplicaLag == .seconds(5) && cluster.maxServerConnections == 100 && cluster.queueTimeout == .seconds(5))
        #expect(cluster.slowQuery == SlowQuerySettings())
        #expect(cluster.slowQuery.warning == .seconds(1) && cluster.slowQuery.error == .seconds(3))
        expected.slowQuery.logParameters = true
        #expect(cluster != expected)
    }

    @Test("clusters are sorted by name; IPv6 servers, an any-address listener and log_parameters are read")
    func severalClusters() throws {
        let yaml = """
        postgres:
          zeta:
            servers: ["10.0.1.1"]
            listen: { replicas: ":7433" }
            slow_query: { log_parameters: true }
          alpha:
            servers: ["[fd00::7]:5433", "[fd00::8]"]
            listen: { primary: "127.0.0.1:7432" }
        """
        let clusters = try BulwarkConfiguration.parse(yaml: yaml).postgres
        #expect(clusters.map(\.name) == ["alpha", "zeta"])
        #expect(clusters[0].servers.map(\.description) == ["[fd00::7]:5433", "[fd00::8]:5432"])
        #expect(clusters[0].servers[0].host == "fd00::7")
        #expect(clusters[1].listen.replicas == ListenAddress(host: "0.0.0.0", port: 7433) && clusters[1].listen.primary == nil)
        #expect(clusters[1].slowQuery.logParameters)
    }

    @Test("server addresses: HOST[:PORT], IPv6 in brackets; everything else is refused")
    func serverAddresses() {
        let good: [(String, String)] = [
            ("10.0.0.1:5432", "10.0.0.1:5432"), ("db.internal", "db.internal:5432"), (" db2:6543 ", "db2:6543"),
            ("[::1]:5433", "[::1]:5433"), ("[fd00::7]", "[fd00::7]:5432"),
        ]
        for (text, shown) in good {
            let parsed = try? PostgresServerAddress.parse(text).get()
            #expect(parsed?.description == shown, "\(text)")
        }
        for text in ["", ":5432", "db:0", "db:65536", "db:x", "fd00::7", "postgres://db:5432", "user@db", "db/app", "[fd00::7", "[fd00::7]5432", "[]:5432", "d b"] {
            let parsed = try? PostgresServerAddress.parse(text).get()
            #expect(parsed == nil, "\(text) parsed as \(String(describing: parsed))")
        }
    }

    @Test("servers: missing, empty, malformed and duplicate entries are reported at their index")
    func serverProblems() {
        let listen = "listen: { primary: \"127.0.0.1:6432\" }"
        Self.expect(Self.issues(Self.cluster(listen)), "postgres.main.servers", "missing")
        Self.expect(Self.issues(Self.cluster("servers: []\n\(listen)")), "postgres.main.servers", "must list at least one server")
        let found = Self.issues(Self.cluster("servers: [\"10.0.0.1:5432\", \"10.0.0.2:99999\", \"10.0.0.1\", \"fd00::1\"]\n\(listen)"))
        Self.expect(found, "postgres.main.servers[1]", "'10.0.0.2:99999' has no valid port")
        Self.expect(found, "postgres.main.servers[2]", "10.0.0.1:5432 is listed twice (postgres.main.servers[0]")
        Self.expect(found, "postgres.main.servers[3]", "'fd00::1': write an IPv6 address in brackets")
        #expect(found.count == 3, "\(found)")
    }

    @Test("unknown keys are reported with a suggestion, at every level")
    func unknownKeys() {
        let found = Self.issues(Self.cluster("""
        servers: [db1]
        listen: { primary: "127.0.0.1:6432", replica: "127.0.0.1:6433" }
        max_replica_lags: 5s
        check: { usr: monitor }
        slow_query: { warn: 1s }
        """))
        Self.expect(found, "postgres.main.listen.replica", "unknown key (did you mean 'replicas'?)")
        Self.expect(found, "postgres.main.max_replica_lags", "unknown key (did you mean 'max_replica_lag'?)")
        Self.expect(found, "postgres.main.check.usr", "unknown key (did you mean 'user'?)")
        Self.expect(found, "postgres.main.slow_query.warn", "unknown key")
        Self.expect(Self.issues("postgress: {}"), "postgress", "unknown key (did you mean 'postgres'?)")
    }

    @Test("listen: missing, empty, or without an address, is reported")
    func listenMissing() {
        Self.expect(Self.issues(Self.cluster("servers: [db1]")), "postgres.main.listen", "missing")
        Self.expect(Self.issues(Self.cluster("servers: [db1]\nlisten: {}")), "postgres.main.listen", "needs primary (read-write), replicas (read-only) or both")
        Self.expect(Self.issues(Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1\" }")), "postgres.main.listen.primary", "'127.0.0.1' is not HOST:PORT")
        Self.expect(Self.issues("postgres: { main: [db1] }"), "postgres.main", "expected a mapping")
        Self.expect(Self.issues("postgres: [db1]"), "postgres", "expected a mapping of names")
    }

    @Test("a listen address used twice is reported at the later one, including server.listen and admin.listen")
    func listenCollisions() {
        let twice = Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\", replicas: \"127.0.0.1:6432\" }")
        Self.expect(Self.issues(twice), "postgres.main.listen.replicas", "127.0.0.1:6432 is also postgres.main.listen.primary")
        let anyAddress = Self.cluster("servers: [db1]\nlisten: { primary: \"0.0.0.0:6432\", replicas: \"127.0.0.1:6432\" }")
        Self.expect(Self.issues(anyAddress), "postgres.main.listen.replicas", "127.0.0.1:6432 is also postgres.main.listen.primary (0.0.0.0:6432)")
        let gateway = Self.cluster("servers: [db1]\nlisten: { primary: \"0.0.0.0:8080\", replicas: \"127.0.0.1:9090\" }")
        let found = Self.issues(gateway)
        Self.expect(found, "postgres.main.listen.primary", "0.0.0.0:8080 is also server.listen")
        Self.expect(found, "postgres.main.listen.replicas", "127.0.0.1:9090 is also admin.listen")
        let otherCluster = """
        postgres:
          a: { servers: [db1], listen: { primary: "127.0.0.1:6432" } }
          b: { servers: [db2], listen: { replicas: "127.0.0.1:6432" } }
        """
        Self.expect(Self.issues(otherCluster), "postgres.b.listen.replicas", "127.0.0.1:6432 is also postgres.a.listen.primary")
        // Different hosts, or port 0 (a free port each), do not collide; a disabled admin listener frees its address.
        let fine = """
        admin: { enabled: false }
        postgres:
          a: { servers: [db1], listen: { primary: "127.0.0.1:6432", replicas: "127.0.0.2:6432" } }
          b: { servers: [db2], listen: { primary: "127.0.0.1:0", replicas: "127.0.0.1:0" } }
          c: { servers: [db3], listen: { primary: "127.0.0.1:9090" } }
        """
        #expect(Self.issues(fine).isEmpty, "\(Self.issues(fine))")
    }

    @Test("check: interval and timeout above 0, timeout below interval, user and database not empty")
    func checkProblems() {
        func found(_ check: String) -> [String] { Self.issues(Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\ncheck: \(check)")) }
        Self.expect(found("{ interval: 0s }"), "postgres.main.check.interval", "must be above 0s, got 0s")
        Self.expect(found("{ timeout: 0ms }"), "postgres.main.check.timeout", "must be above 0s")
        Self.expect(found("{ interval: 1s, timeout: 1s }"), "postgres.main.check.timeout", "must be below interval (1s), got 1s")
        Self.expect(found("{ timeout: 3s }"), "postgres.main.check.timeout", "must be below interval (2s), got 3s")
        Self.expect(found("{ interval: 500ms }"), "postgres.main.check.timeout", "must be below interval (500ms), got 1s")
        Self.expect(found("{ interval: 2 }"), "postgres.main.check.interval", "'2' has no unit")
        Self.expect(found("{ timeout: soon }"), "postgres.main.check.timeout", "'soon' is not a duration")
        Self.expect(found("{ user: \"\" }"), "postgres.main.check.user", "must name the role")
        Self.expect(found("{ database: \"\" }"), "postgres.main.check.database", "must name a database")
        // A bad interval is reported once, not again as a timeout problem.
        #expect(found("{ interval: 0s }").count == 1)
        #expect(found("{ interval: 10s, timeout: 9s }").isEmpty)
    }

    @Test("max_replica_lag, max_server_connections, queue_timeout and slow_query are validated")
    func limitProblems() {
        func found(_ lines: String) -> [String] { Self.issues(Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\n\(lines)")) }
        Self.expect(found("max_server_connections: 0"), "postgres.main.max_server_connections", "must be ≥ 1, got 0")
        Self.expect(found("max_server_connections: many"), "postgres.main.max_server_connections", "expected a whole number")
        Self.expect(found("max_replica_lag: 5"), "postgres.main.max_replica_lag", "'5' has no unit")
        Self.expect(found("queue_timeout: 0s"), "postgres.main.queue_timeout", "must be at least 1ms")
        Self.expect(found("slow_query: { warning: 2s, error: 1s }"), "postgres.main.slow_query.error", "must not be below warning (2s), got 1s")
        Self.expect(found("slow_query: { error: 500ms }"), "postgres.main.slow_query.error", "must not be below warning (1s), got 500ms")
        Self.expect(found("slow_query: { warning: 0s }"), "postgres.main.slow_query.warning", "must be above 0s")
        Self.expect(found("slow_query: { log_parameters: maybe }"), "postgres.main.slow_query.log_parameters", "expected true or false")
        #expect(found("slow_query: { warning: 2s, error: 2s }\nmax_replica_lag: 0s\nqueue_timeout: 1ms").isEmpty)
    }

    @Test("a cluster name must be usable as a metrics label")
    func clusterName() {
        Self.expect(Self.issues(Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }", name: "\"my cluster\"")), "postgres.my cluster", "a cluster name must be made of")
    }

    @Test("the check password never appears in a problem, a description or a dump")
    func passwordHidden() throws {
        // A bad value at the password key, an unset variable and an unterminated reference are reported without the text.
        let badList = Self.issues(Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\ncheck: { password: [\(Self.secret)] }"))
        Self.expect(badList, "postgres.main.check.password", "expected a single value")
        #expect(!badList.joined().contains(Self.secret), "\(badList)")
        let unterminated = Self.issues(Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\ncheck: { password: \"\(Self.secret)${X\" }"))
        Self.expect(unterminated, "postgres.main.check.password")
        #expect(!unterminated.joined().contains(Self.secret), "\(unterminated)")
        let unset = Self.issues(Self.example, environment: [:])
        Self.expect(unset, "postgres.main.check.password")

        let configuration = try BulwarkConfiguration.parse(yaml: Self.example, environment: ["PG_MONITOR_PASSWORD": Self.secret])
        let check = try #require(configuration.postgres.first?.check)
        #expect(check.password == Self.secret)
        #expect(check.description == "check(user: monitor, password: ***, database: postgres, interval: 2s, timeout: 1s)")
        #expect(!"\(configuration)".contains(Self.secret))
        #expect(!String(reflecting: configuration).contains(Self.secret))
        #expect(!"\(check)".contains(Self.secret) && !String(reflecting: check).contains(Self.secret))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(dumped.contains("monitor") && !dumped.contains(Self.secret), "\(dumped)")
    }

    @Test("${VAR} needs no quotes, in block style or inside { } as the issue writes it")
    func variableQuoting() throws {
        let block = Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\ncheck:\n  user: monitor\n  password: ${PG_MONITOR_PASSWORD}")
        let check = try #require(try BulwarkConfiguration.parse(yaml: block, environment: ["PG_MONITOR_PASSWORD": Self.secret]).postgres.first?.check)
        #expect(check.password == Self.secret && check.user == "monitor")
        let flow = Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\ncheck: { user: monitor, password: ${PG_MONITOR_PASSWORD}, database: postgres, interval: 2s, timeout: 1s }")
        let flowCheck = try #require(try BulwarkConfiguration.parse(yaml: flow, environment: ["PG_MONITOR_PASSWORD": Self.secret]).postgres.first?.check)
        #expect(flowCheck.password == Self.secret && flowCheck.user == "monitor" && flowCheck.interval == .seconds(2))
    }

    @Test("a password written in the file (not from the environment) is read as it is")
    func literalPassword() throws {
        let yaml = Self.cluster("servers: [db1]\nlisten: { primary: \"127.0.0.1:6432\" }\ncheck: { password: \"pa$$word\" }")
        #expect(try BulwarkConfiguration.parse(yaml: yaml).postgres.first?.check.password == "pa$word")
    }
}
