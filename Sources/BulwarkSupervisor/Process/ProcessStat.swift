/// The fields of a `/proc/PID/stat` line that the supervisor reads (see proc(5)).
struct ProcessStat: Sendable, Hashable {
    /// Field 3, `state`, is `Z` (zombie) or `X` (dead): the process has ended and holds no memory.
    var hasEnded: Bool
    /// Field 5, `pgrp`.
    var processGroup: Int32
    /// Fields 14 and 15, `utime` + `stime`, in clock ticks.
    var cpuTicks: Int
    /// Field 24, `rss`, in pages.
    var residentPages: Int

    /// Parses a `stat` line; `nil` if it is malformed. The command name (field 2) is in parentheses and
    /// may itself contain spaces and parentheses, so the fields are counted after the last `)`.
    init?(parsing line: String) {
        let bytes = line.utf8
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After ")": field 3 (state) has index 0.
        let fields = bytes[bytes.index(after: close)...].split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
        guard fields.count > 21, let state = fields[0].first,
              let group = Self.integer(fields[2]), let user = Self.integer(fields[11]),
              let system = Self.integer(fields[12]), let pages = Self.integer(fields[21]),
              let processGroup = Int32(exactly: group)
        else { return nil }
        hasEnded = state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
        self.processGroup = processGroup
        cpuTicks = user + system
        residentPages = pages
    }

    /// A decimal number, possibly negative (the kernel prints `rss` and times as signed numbers).
    private static func integer(_ digits: some Collection<UInt8>) -> Int? {
        var value = 0
        var negative = false
        for (offset, byte) in digits.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = product + Int(byte - UInt8(ascii: "0"))
        }
        return digits.isEmpty || (negative && digits.count == 1) ? nil : (negative ? -value : value)
    }
}
