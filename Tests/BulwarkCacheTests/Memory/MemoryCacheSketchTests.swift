import Testing

@testable import BulwarkCache

@Suite struct MemoryCacheSketchTests {
    @Test("the sketch counts up to 15 and never underestimates before aging")
    func countsSaturate() {
        var sketch = FrequencySketch(expectedEntries: 1_000)
        let hash = KeyHash.of("popular", seed: 0)
        for expected in 1...20 {
            sketch.increment(hash)
            #expect(sketch.frequency(hash) >= min(expected, 15))
        }
        #expect(sketch.frequency(hash) == 15)
    }

    @Test("aging halves the counts after ten additions per expected entry")
    func agingHalves() {
        var sketch = FrequencySketch(expectedEntries: 16)
        let hot = KeyHash.of("hot", seed: 0)
        for _ in 0..<15 { sketch.increment(hot) }
        #expect(sketch.frequency(hot) == 15)
        for index in 0..<200 { sketch.increment(KeyHash.of("other-\(index)", seed: 0)) }
        #expect(sketch.frequency(hot) < 15)
    }

    @Test("key hashes are stable for a seed, spread, and change with the seed")
    func keyHashesAreStable() {
        #expect(KeyHash.of("user:42", seed: 0) == KeyHash.of(String("user:42".reversed().reversed()), seed: 0))
        let hashes = Set((0..<10_000).map { KeyHash.of("key-\($0)", seed: 0) })
        #expect(hashes.count == 10_000)
        #expect(KeyHash.of("", seed: 0) != KeyHash.of("\u{0}", seed: 0))
        #expect(KeyHash.of("user:42", seed: 1) != KeyHash.of("user:42", seed: 2))
    }
}
