import Foundation

/// Reads Linux's per-interface network counters from `/proc/net/dev`.
///
/// The file has two header lines, then one line per interface: the name, a colon, and sixteen
/// counters, eight for receiving (bytes, packets, errs, drop, fifo, frame, compressed, multicast)
/// and eight for sending (bytes, packets, errs, drop, fifo, colls, carrier, compressed):
///
/// ```
///   eth0: 248451286   18098    0    0    0     0          0         0  1336263   16083    0    0    0     0       0          0
/// ```
///
/// Wide counters leave no space after the colon (`eth0:1234 …`).
public enum ProcNetDev {
    /// Where Linux keeps the counters.
    public static let path = "/proc/net/dev"

    /// The interfaces listed in `text`, in order. Lines that are not an interface line (the
    /// headers, garbage, a counter that is not a number) are skipped.
    public static func parse(_ text: String) -> [NetworkInterfaceCounters] {
        text.split(whereSeparator: \.isNewline).compactMap(parseLine)
    }

    /// The counters in the file at `path`; empty when it cannot be read (not Linux, no `/proc`).
    public static func read(from path: String = path) -> [NetworkInterfaceCounters] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// One interface line, or `nil` when `line` is not one: a name without spaces, a colon, then at
    /// least sixteen decimal counters that fit 64 bits.
    static func parseLine(_ line: Substring) -> NetworkInterfaceCounters? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { return nil }
        var counters: [UInt64] = []
        counters.reserveCapacity(16)
        for field in line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace) {
            guard field.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = UInt64(field) else { return nil }
            counters.append(value)
        }
        guard counters.count >= 16 else { return nil }
        return NetworkInterfaceCounters(
            name: name,
            receiveBytes: counters[0], receivePackets: counters[1], receiveErrors: counters[2], receiveDrops: counters[3],
            transmitBytes: counters[8], transmitPackets: counters[9], transmitErrors: counters[10], transmitDrops: counters[11]
        )
    }
}
