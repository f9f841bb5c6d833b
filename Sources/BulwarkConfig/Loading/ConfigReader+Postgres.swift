import Foundation
import Yams

/// The `postgres:` section: role-aware PostgreSQL clusters (defaults in ``PostgresClusterSettings/Defaults``).
/// Read after `server:` and `admin:`, whose listeners a cluster's must not share. The check password is
/// a secret key: no message quotes it.
extension ConfigReader {
    static let postgresClusterKeys = ["servers", "check", "listen", "max_replica_lag", "max_server_connections", "queue_timeout", "slow_query"]

    /// `postgres:`, sorted by cluster name; empty when absent or empty. Listen addresses are checked
    /// against each other and against `server.listen`, `server.redirect_http` and `admin.listen`.
    mutating func readPostgres(_ node: Node?, server: ServerSettings, admin: AdminSettings) -> [PostgresClusterSettings] {
        guard let node else { return [] }
        if case .scalar(let scalar) = node, ["", "~", "null"].contains(scalar.string) { return [] }
        var claimed: [(keyPath: String, address: ListenAddress)] = [("server.listen", server.listen)]
        if let redirect = server.redirectHTTP { claimed.append(("server.redirect_http", redirect)) }
        if admin.enabled { claimed.append(("admin.listen", admin.listen)) }
        var clusters: [PostgresClusterSettings] = []
        for (name, value) in namedEntries(node, at: "postgres") {
            if let cluster = readPostgresCluster(name: name, value, claimed: &claimed) { clusters.append(cluster) }
        }
        return clusters.sorted { $0.name < $1.name }
    }

    /// One cluster; nil after a problem that leaves it unusable. `claimed` holds the listen addresses
    /// taken so far, with their key paths; this cluster's are added.
    private mutating func readPostgresCluster(name: String, _ node: Node, claimed: inout [(keyPath: String, address: ListenAddress)]) -> PostgresClusterSettings? {
        let path = "postgres.\(name)"
        if !name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }) {
            report(path, "a cluster name must be made of letters, digits, '_', '-' and '.' (it is a metrics label), got '\(Self.shown(name, at: path))'")
        }
        guard let entries = mapping(node, at: path, allowed: Self.postgresClusterKeys) else { return nil }
        let servers = readPostgresServers(entries["servers"], at: "\(path).servers")
        let listen = readPostgresListen(entries["listen"], at: "\(path).listen", claimed: &claimed)
        var cluster = PostgresClusterSettings(name: name, servers: servers ?? [], listen: listen ?? PostgresListenSettings())
        if let node = entries["check"] { readPostgresCheck(node, at: "\(path).check", into: &cluster.check) }
        if let lag = duration(entries["max_replica_lag"], at: "\(path).max_replica_lag") { cluster.maxReplicaLag = lag }
        if let count = int(entries["max_server_connections"], at: "\(path).max_server_connections", in: 1...Int.max) { cluster.maxServerConnections = count }
        if let wait = duration(entries["queue_timeout"], at: "\(path).queue_timeout", minimum: .milliseconds(1)) { cluster.queueTimeout = wait }
        if let node = entries["slow_query"] { readSlowQuery(node, at: "\(path).slow_query", into: &cluster.slowQuery) }
        guard servers != nil, listen != nil else { return nil }
        return cluster
    }

    /// `servers`: a non-empty list of `HOST[:PORT]` without duplicates.
    private mutating func readPostgresServers(_ node: Node?, at path: String) -> [PostgresServerAddress]? {
        guard node != nil else {
            report(path, "missing: list the cluster's servers, primary and replicas alike, e.g. [\"10.0.0.1:5432\", \"10.0.0.2:5432\"]")
            return nil
        }
        guard let texts = stringList(node, at: path) else { return nil }
        guard !texts.isEmpty else {
            report(path, "must list at least one server, e.g. [\"10.0.0.1:5432\"]")
            return nil
        }
        var servers: [PostgresServerAddress] = []
        var seen: [String: Int] = [:]
        var valid = true
        for (index, text) in texts.enumerated() {
            let itemPath = "\(path)[\(index)]"
            switch PostgresServerAddress.parse(text) {
            case .success(let address):
                let key = address.description.lowercased()
                if let first = seen[key] {
                    report(itemPath, "\(address) is listed twice (\(path)[\(first)] is the same server)")
                    valid = false
                } else {
                    seen[key] = index
                    servers.append(address)
                }
            case .failure(let problem):
                report(itemPath, problem.description, about: text)
                valid = false
            }
        }
        return valid ? servers : nil
    }

    /// `listen`: `primary` and/or `replicas`, each an address no other listener has.
    private mutating func readPostgresListen(_ node: Node?, at path: String, claimed: inout [(keyPath: String, address: ListenAddress)]) -> PostgresListenSettings? {
        guard let node else {
            report(path, "missing: give primary (read-write), replicas (read-only) or both, e.g. { primary: \"127.0.0.1:6432\", replicas: \"127.0.0.1:6433\" }")
            return nil
        }
        guard let entries = mapping(node, at: path, allowed: ["primary", "replicas"]) else { return nil }
        guard entries["primary"] != nil || entries["replicas"] != nil else {
            report(path, "needs primary (read-write), replicas (read-only) or both, e.g. { primary: \"127.0.0.1:6432\" }")
            return nil
        }
        var listen = PostgresListenSettings()
        var valid = true
        for key in ["primary", "replicas"] where entries[key] != nil {
            let keyPath = "\(path).\(key)"
            guard let address = value(entries[key], at: keyPath, ListenAddress.parse) else {
                valid = false
                continue
            }
            if let other = claimed.first(where: { Self.listenersCollide($0.address, address) }) {
                report(keyPath, "\(address) is also \(other.keyPath) (\(other.address)); each listener needs its own address")
                valid = false
                continue
            }
            claimed.append((keyPath, address))
            if key == "primary" { listen.primary = address } else { listen.replicas = address }
        }
        return valid ? listen : nil
    }

    /// Whether two listeners cannot both be bound: the same fixed port, and the same host or an
    /// any-address host on either side.
    static func listenersCollide(_ a: ListenAddress, _ b: ListenAddress) -> Bool {
        guard a.port == b.port, a.port != 0 else { return false }
        let any: Set<String> = ["0.0.0.0", "::", "*"]
        return a.host.lowercased() == b.host.lowercased() || any.contains(a.host) || any.contains(b.host)
    }

    /// `check`: `user`, `password`, `database`, `interval` (> 0) and `timeout` (> 0, below `interval`).
    private mutating func readPostgresCheck(_ node: Node, at path: String, into check: inout PostgresCheckSettings) {
        guard let entries = mapping(node, at: path, allowed: ["user", "password", "database", "interval", "timeout"]) else { return }
        if let user = string(entries["user"], at: "\(path).user") {
            if user.isEmpty { report("\(path).user", "must name the role the checks log in as, e.g. monitor") } else { check.user = user }
        }
        if let password = string(entries["password"], at: "\(path).password") { check.password = password.isEmpty ? nil : password }
        if let database = string(entries["database"], at: "\(path).database") {
            if database.isEmpty { report("\(path).database", "must name a database the check role may connect to, e.g. postgres") } else { check.database = database }
        }
        let interval = positiveDuration(entries["interval"], at: "\(path).interval")
        let timeout = positiveDuration(entries["timeout"], at: "\(path).timeout")
        if let interval { check.interval = interval }
        if let timeout { check.timeout = timeout }
        let intervalValid = entries["interval"] == nil || interval != nil
        let timeoutValid = entries["timeout"] == nil || timeout != nil
        if intervalValid, timeoutValid, check.timeout >= check.interval {
            report("\(path).timeout", "must be below interval (\(DurationSyntax.format(check.interval))), got \(DurationSyntax.format(check.timeout))")
        }
    }

    /// `slow_query`: `warning` (> 0), `error` (at least `warning`) and `log_parameters`.
    private mutating func readSlowQuery(_ node: Node, at path: String, into slowQuery: inout SlowQuerySettings) {
        guard let entries = mapping(node, at: path, allowed: ["warning", "error", "log_parameters"]) else { return }
        let warning = positiveDuration(entries["warning"], at: "\(path).warning")
        let error = positiveDuration(entries["error"], at: "\(path).error")
        if let warning { slowQuery.warning = warning }
        if let error { slowQuery.error = error }
        if let log = bool(entries["log_parameters"], at: "\(path).log_parameters") { slowQuery.logParameters = log }
        let warningValid = entries["warning"] == nil || warning != nil
        let errorValid = entries["error"] == nil || error != nil
        if warningValid, errorValid, slowQuery.error < slowQuery.warning {
            report("\(path).error", "must not be below warning (\(DurationSyntax.format(slowQuery.warning))), got \(DurationSyntax.format(slowQuery.error))")
        }
    }

    /// A duration above zero at `path`; nil (after a report) otherwise, or when absent.
    private mutating func positiveDuration(_ node: Node?, at path: String) -> Duration? {
        guard let value = duration(node, at: path) else { return nil }
        guard value > .zero else {
            report(path, "must be above 0s, got \(DurationSyntax.format(value))")
            return nil
        }
        return value
    }
}
