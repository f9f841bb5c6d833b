import BulwarkConfig

/// Describes what a reload changes, one line per section or upstream, for the log and the admin API.
enum ConfigurationChanges {
    static func describe(from old: BulwarkConfiguration, to new: BulwarkConfiguration) -> [String] {
        var lines: [String] = []
        if old.server.tls != new.server.tls { lines.append("server.tls") }
        if old.server.hsts != new.server.hsts { lines.append("server.hsts") }
        var oldServer = old.server, newServer = new.server
        (oldServer.tls, oldServer.hsts, newServer.tls, newServer.hsts) = (nil, nil, nil, nil)
        if oldServer != newServer { lines.append("server") }
        if old.rateLimits != new.rateLimits { lines.append("rate_limits") }
        if old.routes != new.routes { lines.append("routes: \(old.routes.count) -> \(new.routes.count)") }
        let oldNames = Set(old.upstreams.map(\.name))
        for upstream in new.upstreams {
            guard let before = old.upstream(named: upstream.name) else {
                lines.append("upstreams.\(upstream.name): added")
                continue
            }
            if !before.hasSamePolicies(as: upstream) { lines.append("upstreams.\(upstream.name): settings changed (rebuilt)") }
            let joined = Set(upstream.targets).subtracting(before.targets).count
            let left = Set(before.targets).subtracting(upstream.targets).count
            if joined + left > 0 { lines.append("upstreams.\(upstream.name).targets: +\(joined) -\(left)") }
        }
        for name in oldNames.subtracting(new.upstreams.map(\.name)).sorted() {
            lines.append("upstreams.\(name): removed")
        }
        return lines
    }
}
