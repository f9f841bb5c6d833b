/// Where the `primary` listener sends new connections.
public enum PrimaryChoice: Sendable, Hashable {
    /// The one healthy server not in recovery, by address (`host:port`).
    case server(String)
    /// No healthy server claims primary: new connections get an error.
    case none
    /// Two or more healthy servers claim primary (sorted addresses): new connections are refused and a
    /// critical alert raised, rather than guess.
    case conflict([String])

    /// The chosen server's address; nil for `none` and `conflict`.
    public var server: String? {
        if case .server(let address) = self { return address }
        return nil
    }
}
