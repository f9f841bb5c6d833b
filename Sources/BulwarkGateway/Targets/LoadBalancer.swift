/// Picks a target among the eligible ones. Pure: the caller supplies the round-robin counter value and the
/// random numbers, so tests can check every choice.
public enum LoadBalancer {
    /// Round robin: the first eligible target at or after `counter` (mod count), skipping `excluded`
    /// (targets already tried by this request) unless nothing else is eligible.
    public static func roundRobin(
        count: Int, counter: Int, isEligible: (Int) -> Bool, excluded: (Int) -> Bool
    ) -> Int? {
        guard count > 0 else { return nil }
        var fallback: Int?
        for offset in 0..<count {
            let index = (counter &+ offset) % count
            let wrapped = index < 0 ? index + count : index
            guard isEligible(wrapped) else { continue }
            if !excluded(wrapped) { return wrapped }
            if fallback == nil { fallback = wrapped }
        }
        return fallback
    }

    /// Least request with the power of two choices: two random eligible targets (not yet tried when
    /// possible), the one with fewer requests in flight; ties go to the first draw.
    public static func leastRequest(
        candidates: [Int], inFlight: (Int) -> Int, random: inout some RandomNumberGenerator
    ) -> Int? {
        switch candidates.count {
        case 0: return nil
        case 1: return candidates[0]
        default:
            let first = Int.random(in: 0..<candidates.count, using: &random)
            var second = Int.random(in: 0..<(candidates.count - 1), using: &random)
            if second >= first { second += 1 }
            let a = candidates[first], b = candidates[second]
            return inFlight(b) < inFlight(a) ? b : a
        }
    }
}
