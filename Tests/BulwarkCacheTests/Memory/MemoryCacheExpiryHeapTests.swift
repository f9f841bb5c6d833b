import PropertyBased
import Testing

@testable import BulwarkCache

@Suite struct MemoryCacheExpiryHeapTests {
    @Test("property: the earliest entry is always the smallest scheduled deadline")
    func earliestIsTheMinimum() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...999).array(of: 1...200)) { script in
            var heap = ExpiryHeap()
            var model: [Int32: Duration] = [:]
            for number in script {
                let slot = Int32(number % 23)
                if number % 3 == 0 {
                    heap.remove(slot)
                    model[slot] = nil
                } else {
                    let deadline = Duration.milliseconds(number)
                    heap.schedule(slot, at: deadline)
                    model[slot] = deadline
                }
                #expect(heap.count == model.count)
                #expect(heap.earliest?.deadline == model.values.min())
                if let earliest = heap.earliest { #expect(model[earliest.slot] == earliest.deadline) }
            }
        }
    }
}
