import PropertyBased
import Testing

@testable import BulwarkCache

@Suite struct MemoryCacheSlotIndexTests {
    @Test("property: the index finds exactly the keys inserted and not removed, through growth and removals")
    func indexMatchesADictionary() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...9_999).array(of: 1...500)) { script in
            var index = SlotIndex()
            var slots: [SlotPolicy.Slot] = []
            var model: [String: Int32] = [:]
            for number in script {
                // Few distinct keys with colliding low bits, so probe runs and backward shifts happen.
                let key = "key-\(number % 97)"
                let hash = KeyHash.of(key, seed: 0) & 0xFFFF_FFFF_0000_003F
                if let slot = model[key], number % 2 == 0 {
                    index.remove(slot, hash: hash)
                    model[key] = nil
                } else if model[key] == nil {
                    let slot = Int32(slots.count)
                    slots.append(SlotPolicy.Slot(key: key, hash: hash, cost: 0, expiresAt: nil, previous: -1, next: -1, segment: .window))
                    index.insert(slot, hash: hash)
                    model[key] = slot
                }
                #expect(index.count == model.count)
            }
            for number in 0..<97 {
                let key = "key-\(number)"
                #expect(index.find(key, hash: KeyHash.of(key, seed: 0) & 0xFFFF_FFFF_0000_003F, in: slots) == model[key], "\(key)")
            }
        }
    }
}
