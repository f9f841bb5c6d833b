import NIOHTTP1

/// Which protocol, if any, a request's `Upgrade` is forwarded for. Pure: the head and the route's
/// `routes[].upgrades` in, a lower-cased protocol name (as sent, e.g. `websocket`) or nil out.
///
/// An upgrade is forwarded only when `Connection` names `upgrade` and `Upgrade` offers exactly one
/// protocol the route lists. `h2c` never is (HTTP/2 is not relayed through an upgrade): such a request,
/// like any other upgrade not forwarded, loses its `Upgrade` and is served as HTTP/1.1.
enum UpgradeRequest {
    /// The protocol to forward `head`'s upgrade for, or nil.
    static func protocolToForward(_ head: HTTPRequestHead, connectionUpgrade: Bool, allowed: [String]) -> String? {
        guard connectionUpgrade, !allowed.isEmpty else { return nil }
        let offered = offered(in: head.headers)
        guard offered.count == 1, let asked = offered.first, !asked.isEmpty else { return nil }
        let name = asked.split(separator: "/", maxSplits: 1).first.map(String.init) ?? asked
        guard name != "h2c", allowed.contains(name) || allowed.contains(asked) else { return nil }
        return asked
    }

    /// The protocols an `Upgrade` field lists, trimmed and lower-cased, in order.
    static func offered(in headers: HTTPHeaders) -> [String] {
        headers["Upgrade"].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters().lowercased() }
    }

    /// Adds the fields that carry an upgrade of `protocolName` to the head sent to the target (the
    /// gateway removed them with the other hop-by-hop fields).
    static func addUpgradeFields(_ protocolName: String, to head: inout HTTPRequestHead) {
        head.headers.replaceOrAdd(name: "Connection", value: "upgrade")
        head.headers.replaceOrAdd(name: "Upgrade", value: protocolName)
    }
}
