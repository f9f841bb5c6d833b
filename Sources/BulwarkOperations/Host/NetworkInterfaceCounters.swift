/// The kernel's running totals for one network interface since it came up, as
/// `/proc/net/dev` lists them. Rates come from the difference between two samples; counters may
/// restart from 0 when the interface is recreated.
public struct NetworkInterfaceCounters: Sendable, Hashable {
    /// The interface: `lo`, `eth0`.
    public var name: String
    /// Bytes received.
    public var receiveBytes: UInt64
    /// Packets received.
    public var receivePackets: UInt64
    /// Receive errors.
    public var receiveErrors: UInt64
    /// Received packets dropped.
    public var receiveDrops: UInt64
    /// Bytes sent.
    public var transmitBytes: UInt64
    /// Packets sent.
    public var transmitPackets: UInt64
    /// Transmit errors.
    public var transmitErrors: UInt64
    /// Packets dropped on sending.
    public var transmitDrops: UInt64

    /// Counters from their values.
    public init(
        name: String,
        receiveBytes: UInt64, receivePackets: UInt64, receiveErrors: UInt64, receiveDrops: UInt64,
        transmitBytes: UInt64, transmitPackets: UInt64, transmitErrors: UInt64, transmitDrops: UInt64
    ) {
        self.name = name
        self.receiveBytes = receiveBytes
        self.receivePackets = receivePackets
        self.receiveErrors = receiveErrors
        self.receiveDrops = receiveDrops
        self.transmitBytes = transmitBytes
        self.transmitPackets = transmitPackets
        self.transmitErrors = transmitErrors
        self.transmitDrops = transmitDrops
    }
}
