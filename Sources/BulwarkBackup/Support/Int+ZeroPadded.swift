extension Int {
    /// The decimal digits of this number, left-padded with zeros to at least `width` characters
    /// (`7.zeroPadded(to: 2)` is `"07"`). Negative numbers keep their sign in front.
    func zeroPadded(to width: Int) -> String {
        let digits = String(magnitude)
        let padding = String(repeating: "0", count: Swift.max(0, width - digits.count))
        return (self < 0 ? "-" : "") + padding + digits
    }
}
