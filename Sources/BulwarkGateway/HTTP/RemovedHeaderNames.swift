/// Header names removed from every client request under either spelling (`X-User-Id`, `x_user_id`:
/// CGI-style servers read `_` and `-` alike). Built once per configuration; a field is matched by its
/// length first, so most fields of a request are passed over without being lower-cased.
struct RemovedHeaderNames: Sendable {
    private let names: Set<String>
    private let lengths: Set<Int>

    /// The set of `names`, in any case and spelling.
    init(_ names: some Sequence<String>) {
        let normalized = Set(names.map(Self.normalized))
        self.names = normalized
        self.lengths = Set(normalized.map(\.utf8.count))
    }

    var isEmpty: Bool { names.isEmpty }

    /// Whether `name` is one of them.
    func contains(_ name: String) -> Bool {
        lengths.contains(name.utf8.count) && names.contains(Self.normalized(name))
    }

    /// Lower case, `_` as `-`.
    static func normalized(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: "-")
    }
}
