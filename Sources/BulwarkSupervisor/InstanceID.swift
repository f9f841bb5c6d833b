/// One instance of a supervised process group: its slot (0 ‥ instances − 1, stable across restarts)
/// and a serial number that grows with every process started for the group, so a replacement and the
/// instance it replaces are never confused. Shown as `app.0#3` in logs and `/api/processes`.
public struct InstanceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The process group's name (`processes.NAME`).
    public var group: String
    /// The slot, 0-based.
    public var slot: Int
    /// Which start this is, counted per group from 1.
    public var serial: Int

    /// Creates an identifier.
    public init(group: String, slot: Int, serial: Int) {
        self.group = group
        self.slot = slot
        self.serial = serial
    }

    /// `app.0#3`.
    public var description: String { "\(group).\(slot)#\(serial)" }

    /// By group, then slot, then serial.
    public static func < (lhs: InstanceID, rhs: InstanceID) -> Bool {
        (lhs.group, lhs.slot, lhs.serial) < (rhs.group, rhs.slot, rhs.serial)
    }
}
