/// An ordinary least-squares line `y = intercept + slope × x` through a set of points, with its
/// coefficient of determination.
struct LinearFit: Sendable, Equatable {
    var intercept: Double
    var slope: Double
    /// R²: the share of the variance of `y` the line explains, `1 − SSres / SStot`; 0 when `y` does not
    /// vary at all (a flat line explains nothing, and there is nothing to explain).
    var rSquared: Double

    /// The fit through `points`; nil with fewer than two points, no spread in `x`, or a value that is not
    /// finite. Sums are taken around the means, which keeps them exact enough for large offsets (RSS in
    /// bytes, seconds into a day-long run).
    init?(_ points: [(x: Double, y: Double)]) {
        guard points.count >= 2, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return nil }
        let count = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / count
        let meanY = points.reduce(0) { $0 + $1.y } / count
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for point in points {
            let dx = point.x - meanX, dy = point.y - meanY
            sxx += dx * dx
            sxy += dx * dy
            syy += dy * dy
        }
        guard sxx > 0 else { return nil }
        slope = sxy / sxx
        intercept = meanY - slope * meanX
        rSquared = syy > 0 ? min(1, max(0, sxy * sxy / (sxx * syy))) : 0
    }

    /// The line's value at `x`.
    func value(at x: Double) -> Double { intercept + slope * x }
}
