import Foundation

/// Number and duration formatting shared by the HTML report and the analysis messages. Every function
/// answers something printable for any input: a value that is not finite prints as `–`.
enum ReportFormat {
    /// `value` with `digits` decimals (`12.35`), or `–` when it is not finite.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "–" }
        return String(format: "%.\(max(0, digits))f", value)
    }

    /// A latency in milliseconds: three significant figures for small values (`0.412 ms`, `12.3 ms`),
    /// whole milliseconds from 100 up.
    static func milliseconds(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let digits = abs(value) < 1 ? 3 : abs(value) < 10 ? 2 : abs(value) < 100 ? 1 : 0
        return fixed(value, digits: digits) + " ms"
    }

    /// A fraction as a percentage (`0.0012` → `0.12%`).
    static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "–" }
        let value = fraction * 100
        let digits = value == 0 ? 0 : abs(value) < 1 ? 3 : abs(value) < 10 ? 2 : 1
        return fixed(value, digits: digits) + "%"
    }

    /// A rate in requests per second (`9987.4 req/s`, `12.50 req/s`).
    static func rate(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return fixed(value, digits: abs(value) < 100 ? 2 : 1) + " req/s"
    }

    /// A span in seconds as the shortest of `45s`, `2m30s`, `30m`, `1h5m` (rounded to whole seconds).
    static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let total = Int(seconds.rounded())
        if total == 0 { return seconds == 0 ? "0s" : fixed(seconds, digits: 2) + "s" }
        let sign = total < 0 ? "-" : ""
        let hours = abs(total) / 3600, minutes = abs(total) % 3600 / 60, secs = abs(total) % 60
        var text = sign
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if secs > 0 || text == sign { text += "\(secs)s" }
        return text
    }

    /// An axis tick label for `value` on an axis whose ticks are `step` apart: as few decimals as the
    /// step needs, and `k`/`M` from 10 000 and 10 000 000 up (`2500`, `0.25`, `20k`, `15M`).
    static func tick(_ value: Double, step: Double) -> String {
        guard value.isFinite, step.isFinite, step > 0 else { return "–" }
        var scaled = value, scaledStep = step, suffix = ""
        if abs(value) >= 10_000_000 {
            (scaled, scaledStep, suffix) = (value / 1_000_000, step / 1_000_000, "M")
        } else if abs(value) >= 10_000 {
            (scaled, scaledStep, suffix) = (value / 1_000, step / 1_000, "k")
        }
        let digits = scaledStep >= 1 ? 0 : min(6, Int((-log10(scaledStep)).rounded(.up)))
        return fixed(scaled, digits: digits) + suffix
    }

    /// A coordinate for an SVG attribute: one decimal, and `0` for anything that is not finite, so that
    /// no `NaN` or `inf` ever reaches the markup (and nothing beyond ±1 000 000).
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (min(1_000_000, max(-1_000_000, value)) * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }
}
