import BulwarkSupervisor
import Testing

@Suite struct InstanceIDTests {
    @Test func readsAsGroupSlotAndSerialAndSortsByThem() {
        let ids = [InstanceID(group: "app", slot: 1, serial: 2), InstanceID(group: "app", slot: 0, serial: 3), InstanceID(group: "api", slot: 2, serial: 1)]
        #expect(ids.sorted().map(\.description) == ["api.2#1", "app.0#3", "app.1#2"])
    }
}
