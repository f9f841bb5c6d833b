import BulwarkConfig
import Resilience
import Testing

/// `processes:`: the app instances `bulwark run` supervises. Every value is read, every mistake is
/// reported at its key path, and each group's name is an upstream whose targets come from it.
@Suite("processes", .timeLimit(.minutes(1)))
struct ProcessesConfigTests {
    static let example = """
    processes:
      app:
        command: ["node", "dist/index.js"]
        instances: 3
        port_base: 3001
        env: { NODE_ENV: production }
        ready: { http: /health, timeout: 30s }
        restart: { backoff: 1s..60s, max_restarts: 10, window: 10m }
        max_memory: 1GiB
        stop: { signal: SIGTERM, timeout: 30s }
        logs: { dir: /var/log/bulwark/app, max_size: 50MiB, keep: 5 }
    """

    /// `processes.app` with `settings` (a flow mapping's inside) plus `extra` top-level YAML.
    static func app(_ settings: String, _ extra: String = "") -> String {
        "processes:\n  app: { \(settings) }\n\(extra)"
    }

    static func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        ConfigurationParsingTests.issues(yaml, environment: environment)
    }

    static func group(_ yaml: String, environment: [String: String] = [:]) throws -> ProcessGroupSettings {
        try #require(try BulwarkConfiguration.parse(yaml: yaml, environment: environment).processes.first)
    }

    // MARK: Valid files

    @Test("the issue's example parses to exactly its values, with upstream app and a catch-all route to it")
    func example() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.example)
        var expected = ProcessGroupSettings(name: "app", command: ["node", "dist/index.js"], portBase: 3001)
        expected.instances = 3
        expected.environment = ["NODE_ENV": "production"]
        expected.readiness = .http(path: "/health")
        expected.readyTimeout = .seconds(30)
        expected.backoffMinimum = .seconds(1)
        expected.backoffMaximum = .seconds(60)
        expected.maxRestarts = 10
        expected.restartWindow = .seconds(600)
        expected.maxMemory = 1 << 30
        expected.stopSignal = .term
        expected.stopTimeout = .seconds(30)
        expected.logDirectory = "/var/log/bulwark/app"
        expected.logMaxBytes = 50 << 20
        expected.logKeep = 5
        #expect(configuration.processes == [expected])
        #expect(configuration.processes.first?.ports == 3001...3006)
        #expect(configuration.upstreams == [.processBacked(name: "app")])
        #expect(configuration.upstreams.first?.targets == [])
        #expect(configuration.upstreams.first?.targetsFromProcesses == true)
        #expect(configuration.routes == [RouteSettings(pathPrefix: "/", upstream: "app")])
        #expect(configuration.processValidationIssues().isEmpty)
    }

    @Test("every key is read when it differs from its default; env values expand ${VAR}")
    func everyKey() throws {
        let group = try Self.group("""
        processes:
          worker:
            command: [python3, -m, http.server]
            instances: 2
            port_base: 4000
            env: { TOKEN: "${APP_TOKEN}", DEBUG: 1 }
            cwd: /srv/worker
            ready: { log: "listening on \\\\d+", timeout: 5s }
            restart: { backoff: 250ms..5s, max_restarts: 3, window: 2m }
            max_memory: 512MiB
            memory_grace: 5s
            stop: { signal: int, timeout: 10s }
            logs: { dir: logs/worker, max_size: 1MiB, keep: 2 }
        """, environment: ["APP_TOKEN": "t0ken"])
        var expected = ProcessGroupSettings(name: "worker", command: ["python3", "-m", "http.server"], portBase: 4000)
        expected.instances = 2
        expected.environment = ["TOKEN": "t0ken", "DEBUG": "1"]
        expected.workingDirectory = "/srv/worker"
        expected.readiness = .log(pattern: #"listening on \d+"#)
        expected.readyTimeout = .seconds(5)
        expected.backoffMinimum = .milliseconds(250)
        expected.backoffMaximum = .seconds(5)
        expected.maxRestarts = 3
        expected.restartWindow = .seconds(120)
        expected.maxMemory = 512 << 20
        expected.memoryGrace = .seconds(5)
        expected.stopSignal = .int
        expected.stopTimeout = .seconds(10)
        expected.logDirectory = "logs/worker"
        expected.logMaxBytes = 1 << 20
        expected.logKeep = 2
        #expect(group == expected)
    }

    @Test("defaults: one instance, ready when the port accepts, 1s..60s backoff, 10 restarts in 10m, SIGTERM then 30s, 50MiB × 5 logs")
    func defaults() throws {
        let group = try Self.group(Self.app("command: [node, server.js], port_base: 3001"))
        #expect(group == ProcessGroupSettings(name: "app", command: ["node", "server.js"], portBase: 3001))
        #expect(group.instances == 1)
        #expect(group.ports == 3001...3002)
        #expect(group.environment.isEmpty)
        #expect(group.workingDirectory == nil)
        #expect(group.readiness == .tcp)
        #expect(group.readyTimeout == .seconds(30))
        #expect(group.backoffMinimum == .seconds(1))
        #expect(group.backoffMaximum == .seconds(60))
        #expect(group.maxRestarts == 10)
        #expect(group.restartWindow == .seconds(600))
        #expect(group.maxMemory == nil)
        #expect(group.stopSignal == .term)
        #expect(group.stopTimeout == .seconds(30))
        #expect(group.logDirectory == nil)
        #expect(group.logMaxBytes == 50 * 1024 * 1024)
        #expect(group.logKeep == 5)
        // `ready` with only a kind keeps the default timeout.
        #expect(try Self.group(Self.app("command: [a], port_base: 3001, ready: { tcp: true }")).readyTimeout == .seconds(30))
    }

    @Test("command may be one string, split on whitespace (no shell)")
    func commandString() throws {
        #expect(try Self.group(Self.app("command: \"node  dist/index.js\t--inspect=0\", port_base: 3001")).command == ["node", "dist/index.js", "--inspect=0"])
        #expect(try Self.group(Self.app("command: ./server, port_base: 3001")).command == ["./server"])
        #expect(Self.issues(Self.app(#"command: "node -e 'console.log(1)'", port_base: 3001"#)) == [
            #"processes.app.command: a command string is split on whitespace only (no shell, no quoting); write it as a list, e.g. ["node", "-e", "console.log(1)"]"#,
        ])
    }

    @Test("a single backoff duration is both bounds; signals are accepted without SIG and in any case")
    func backoffAndSignals() throws {
        let group = try Self.group(Self.app("command: [a], port_base: 3001, restart: { backoff: 2s }"))
        #expect(group.backoffMinimum == .seconds(2))
        #expect(group.backoffMaximum == .seconds(2))
        for (text, signal) in [("SIGTERM", ProcessGroupSettings.StopSignal.term), ("int", .int), ("SigQuit", .quit), ("hup", .hup), ("usr1", .usr1), ("SIGUSR2", .usr2)] {
            #expect(try Self.group(Self.app("command: [a], port_base: 3001, stop: { signal: \(text) }")).stopSignal == signal, "\(text)")
        }
    }

    // MARK: Mistakes, each at its key path

    @Test("each mistake is reported at its key path", arguments: [
        ("port_base: 3001", #"processes.app.command: missing: the executable and its arguments, e.g. ["node", "dist/index.js"]"#),
        ("command: [], port_base: 3001", #"processes.app.command: must not be empty: the executable and its arguments, e.g. ["node", "dist/index.js"]"#),
        ("command: [\"\", x], port_base: 3001", "processes.app.command: the executable (the first item) must not be empty"),
        ("command: [a]", "processes.app.port_base: missing: the first instance's port, e.g. 3001 (the group uses port_base … port_base + 2 × instances − 1)"),
        ("command: [a], port_base: 0", "processes.app.port_base: must be between 1 and 65535, got 0"),
        ("command: [a], port_base: 70000", "processes.app.port_base: must be between 1 and 65535, got 70000"),
        ("command: [a], port_base: 65530, instances: 4", "processes.app.port_base: the ports reach 65537 (port_base + 2 × instances − 1: the upper half is for rolling restarts), above 65535; use a port_base of at most 65528"),
        ("command: [a], port_base: three", "processes.app.port_base: expected a whole number, got 'three'"),
        ("command: [a], port_base: 3001, instances: 0", "processes.app.instances: must be between 1 and 64, got 0"),
        ("command: [a], port_base: 3001, instances: 65", "processes.app.instances: must be between 1 and 64, got 65"),
        ("command: [a], port_base: 3001, env: { PORT: 80 }", "processes.app.env.PORT: PORT is set per instance by the supervisor (port_base + the instance's slot); remove it"),
        ("command: [a], port_base: 3001, env: { A: { b: c } }", "processes.app.env.A: expected a single value, got a mapping"),
        ("command: [a], port_base: 3001, env: [A]", "processes.app.env: expected a mapping of names to settings, got a list"),
        ("command: [a], port_base: 3001, cwd: ''", "processes.app.cwd: must not be empty; leave cwd out to use the supervisor's working directory"),
        ("command: [a], port_base: 3001, ready: { timeout: 5s }", "processes.app.ready: needs one of http (a path), tcp (true) or log (a regular expression)"),
        ("command: [a], port_base: 3001, ready: { http: /health, tcp: true }", "processes.app.ready: has http and tcp: give exactly one of http, tcp or log"),
        ("command: [a], port_base: 3001, ready: { http: health }", "processes.app.ready.http: must be a path starting with '/', e.g. /health, got 'health'"),
        ("command: [a], port_base: 3001, ready: { tcp: false }", "processes.app.ready.tcp: must be true (the instance's port accepts a connection); for another check give http or log instead"),
        ("command: [a], port_base: 3001, ready: { tcp: true, timeout: 50ms }", "processes.app.ready.timeout: must be at least 100ms, got 50ms"),
        ("command: [a], port_base: 3001, ready: { tcp: true, probe: x }", "processes.app.ready.probe: unknown key"),
        ("command: [a], port_base: 3001, restart: { backoff: 5ms..1s }", "processes.app.restart.backoff: the lower bound must be at least 10ms, got 5ms"),
        ("command: [a], port_base: 3001, restart: { backoff: 60s..1s }", "processes.app.restart.backoff: the lower bound (1m) must not exceed the upper one (1s)"),
        ("command: [a], port_base: 3001, restart: { backoff: 1s..2s..3s }", "processes.app.restart.backoff: '1s..2s..3s' is not a backoff: expected MIN..MAX, e.g. 1s..60s, or one duration"),
        ("command: [a], port_base: 3001, restart: { backoff: 1s..60 }", "processes.app.restart.backoff: '1s..60' is not a backoff (expected MIN..MAX, e.g. 1s..60s, or one duration): '60' has no unit: write 60ms, 60s, 60m or 60h"),
        ("command: [a], port_base: 3001, restart: { max_restarts: 0 }", "processes.app.restart.max_restarts: must be between 1 and 1000, got 0"),
        ("command: [a], port_base: 3001, restart: { max_restarts: 1001 }", "processes.app.restart.max_restarts: must be between 1 and 1000, got 1001"),
        ("command: [a], port_base: 3001, restart: { window: 500ms }", "processes.app.restart.window: must be at least 1s, got 500ms"),
        ("command: [a], port_base: 3001, max_memory: 512KiB", "processes.app.max_memory: must be at least 1MiB, got 524288 bytes"),
        ("command: [a], port_base: 3001, memory_grace: 500ms", "processes.app.memory_grace: must be at least 1s, got 500ms"),
        ("command: [a], port_base: 3001, max_memory: lots", "processes.app.max_memory: 'lots' is not a size: expected a number of bytes or a number with a unit, e.g. 64KiB, 10MB, 1GiB"),
        ("command: [a], port_base: 3001, stop: { signal: SIGKILL }", "processes.app.stop.signal: 'SIGKILL' is not a stop signal: use one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2"),
        ("command: [a], port_base: 3001, stop: { timeout: 10ms }", "processes.app.stop.timeout: must be at least 100ms, got 10ms"),
        ("command: [a], port_base: 3001, logs: { dir: '' }", "processes.app.logs.dir: must not be empty; leave logs.dir out to send output only to the supervisor's log"),
        ("command: [a], port_base: 3001, logs: { max_size: 1KiB }", "processes.app.logs.max_size: must be at least 4KiB, got 1024 bytes"),
        ("command: [a], port_base: 3001, logs: { keep: 0 }", "processes.app.logs.keep: must be between 1 and 100, got 0"),
        ("command: [a], port_base: 3001, logs: { keep: 101 }", "processes.app.logs.keep: must be between 1 and 100, got 101"),
        ("command: [a], port_base: 3001, commands: [b]", "processes.app.commands: unknown key (did you mean 'command'?)"),
    ])
    func mistake(settings: String, expected: String) {
        #expect(Self.issues(Self.app(settings)) == [expected])
    }

    @Test("a log pattern that does not compile is reported with the compiler's reason")
    func badPattern() {
        let issues = Self.issues(Self.app(#"command: [a], port_base: 3001, ready: { log: "listening (on" }"#))
        #expect(issues.count == 1)
        let prefix = "processes.app.ready.log: is not a valid regular expression: "
        #expect(issues.first?.hasPrefix(prefix) == true, "\(issues)")
        #expect((issues.first?.count ?? 0) > prefix.count, "the reason follows")
    }

    @Test("a group name is letters, digits, '_' and '-'")
    func groupNames() throws {
        #expect(try BulwarkConfiguration.parse(yaml: "processes:\n  web_2-a: { command: [a], port_base: 3001 }").processes.map(\.name) == ["web_2-a"])
        #expect(Self.issues("processes:\n  \"my app\": { command: [a], port_base: 3001 }") == [
            "processes.my app: 'my app' is not a valid group name: use letters, digits, '_' and '-'",
        ])
        #expect(Self.issues("processes:\n  app.v2: { command: [a], port_base: 3001 }") == [
            "processes.app.v2: 'app.v2' is not a valid group name: use letters, digits, '_' and '-'",
        ])
        #expect(Self.issues("processes: [app]") == ["processes: expected a mapping of names to settings, got a list"])
    }

    // MARK: Ports

    @Test("two groups' port ranges must not overlap: reported at the later group's port_base")
    func overlappingGroups() throws {
        let yaml = """
        processes:
          app: { command: [a], instances: 3, port_base: 3001 }
          worker: { command: [b], port_base: 3006 }
        """
        #expect(Self.issues(yaml) == [
            "processes.worker.port_base: ports 3006–3007 overlap those of processes.app (3001–3006); each group needs its own 2 × instances ports",
        ])
        let apart = try BulwarkConfiguration.parse(yaml: yaml.replacingOccurrences(of: "port_base: 3006", with: "port_base: 3007"))
        #expect(apart.processes.map(\.name) == ["app", "worker"], "file order")
        #expect(apart.processes.map(\.ports) == [3001...3006, 3007...3008])
    }

    @Test("a group's ports must not include the listener's or the admin API's port on a loopback or any-address host")
    func listenerPorts() throws {
        #expect(Self.issues(Self.app("command: [a], port_base: 8079")) == [
            "processes.app.port_base: ports 8079–8080 include the port of server.listen (0.0.0.0:8080); choose a port_base outside it",
        ])
        #expect(Self.issues(Self.app("command: [a], instances: 2, port_base: 9088")) == [
            "processes.app.port_base: ports 9088–9091 include the port of admin.listen (127.0.0.1:9090); choose a port_base outside it",
        ])
        #expect(Self.issues(Self.app("command: [a], port_base: 3000", "server: { listen: '[::]:3001' }")) == [
            "processes.app.port_base: ports 3000–3001 include the port of server.listen ([::]:3001); choose a port_base outside it",
        ])
        #expect(Self.issues(Self.app("command: [a], port_base: 3000", "server: { listen: 'localhost:3001' }")).count == 1)
        // Another interface, a system-chosen port, or a disabled admin API take no instance port.
        #expect(Self.issues(Self.app("command: [a], port_base: 3000", "server: { listen: '10.0.0.5:3001' }")).isEmpty)
        #expect(Self.issues(Self.app("command: [a], port_base: 9089", "admin: { enabled: false }")).isEmpty)
        #expect(Self.issues(Self.app("command: [a], port_base: 1", "server: { listen: '127.0.0.1:0' }")).isEmpty)
    }

    // MARK: The upstream

    @Test("an upstream of the same name listing its own targets is an error at its targets")
    func upstreamWithTargets() {
        let yaml = Self.app("command: [a], port_base: 3001", "upstreams:\n  app: { targets: [\"http://127.0.0.1:3001\"] }")
        #expect(Self.issues(yaml) == ["upstreams.app.targets: processes.app provides this upstream's targets; remove `targets`"])
        let empty = Self.app("command: [a], port_base: 3001", "upstreams:\n  app: { targets: [] }")
        #expect(Self.issues(empty) == ["upstreams.app.targets: processes.app provides this upstream's targets; remove `targets`"])
    }

    @Test("an upstream of the same name without targets is allowed and keeps its policies")
    func upstreamWithoutTargets() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.app("command: [a], port_base: 3001", """
        upstreams:
          app: { balancer: least_request, retry: { attempts: 4 }, health_check: { path: /ready } }
          static: { targets: ["http://127.0.0.1:4000"] }
        routes:
          - { path_prefix: /assets, upstream: static }
          - { path_prefix: /, upstream: app }
        """))
        let app = try #require(configuration.upstream(named: "app"))
        #expect(app.targets.isEmpty)
        #expect(app.targetsFromProcesses)
        #expect(app.balancer == .leastRequest)
        #expect(app.retry.attempts == 4)
        #expect(app.healthCheck?.path == "/ready")
        #expect(configuration.upstream(named: "static")?.targetsFromProcesses == false)
        #expect(configuration.upstreams.map(\.name) == ["app", "static"], "no second upstream app is added")
        #expect(configuration.routes.map(\.upstream) == ["static", "app"])
        // Without processes.app, targets stay required.
        #expect(Self.issues("upstreams:\n  app: { retry: { attempts: 4 } }") == [
            #"upstreams.app.targets: missing: list the app's addresses, e.g. ["http://127.0.0.1:3000"]"#,
        ])
    }

    @Test("with no upstream of its name, one with default settings and no targets is added, after the file's, and routes may name it")
    func synthesizedUpstream() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.app("command: [a], port_base: 3001", """
        upstreams:
          static: { targets: ["http://127.0.0.1:4000"] }
        routes:
          - { path_prefix: /api, upstream: app }
        """))
        #expect(configuration.upstreams.map(\.name) == ["static", "app"])
        var expected = UpstreamSettings(name: "app", targets: [])
        expected.targetsFromProcesses = true
        #expect(configuration.upstream(named: "app") == expected)
        #expect(configuration.routes == [RouteSettings(pathPrefix: "/api", upstream: "app")])
        // A group that cannot be read still names its upstream, so routes to it report nothing more.
        #expect(Self.issues(Self.app("port_base: 3001", "routes:\n  - { upstream: app }")) == [
            #"processes.app.command: missing: the executable and its arguments, e.g. ["node", "dist/index.js"]"#,
        ])
    }

    // MARK: bulwark run without a file

    @Test("runCommand is what the equivalent file parses to, and passes the same checks")
    func runCommand() throws {
        let built = BulwarkConfiguration.runCommand(command: ["node", "dist/index.js"], instances: 3, portBase: 3001, listen: nil)
        let parsed = try BulwarkConfiguration.parse(yaml: """
        processes:
          app: { command: ["node", "dist/index.js"], instances: 3, port_base: 3001 }
        """)
        #expect(built == parsed)
        #expect(built.processValidationIssues().isEmpty)
        #expect(built.upstreams == [.processBacked(name: "app")])
        #expect(built.routes == [RouteSettings(pathPrefix: "/", upstream: "app")])

        let listen = ListenAddress(host: "127.0.0.1", port: 8000)
        let onPort = BulwarkConfiguration.runCommand(command: ["./app"], instances: 1, portBase: 3001, listen: listen)
        #expect(onPort.server.listen == listen)
        // What a file would be refused for, a command line is too.
        let bad = BulwarkConfiguration.runCommand(command: [], instances: 0, portBase: 3001, listen: nil)
        #expect(bad.processValidationIssues().map(\.description) == [
            #"processes.app.command: must not be empty: the executable and its arguments, e.g. ["node", "dist/index.js"]"#,
            "processes.app.instances: must be between 1 and 64, got 0",
        ])
        let onListener = BulwarkConfiguration.runCommand(command: ["./app"], instances: 2, portBase: 7999, listen: listen)
        #expect(onListener.processValidationIssues().map(\.description) == [
            "processes.app.port_base: ports 7999–8002 include the port of server.listen (127.0.0.1:8000); choose a port_base outside it",
        ])
        #expect(Self.issues("server: { listen: '127.0.0.1:8000' }\n" + Self.app("command: [./app], instances: 2, port_base: 7999")) ==
            onListener.processValidationIssues().map(\.description))
    }
}
