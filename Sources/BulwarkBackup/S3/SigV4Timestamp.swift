import Foundation

/// The two UTC spellings of a signing time that Signature Version 4 uses.
struct SigV4Timestamp: Sendable, Hashable {
    /// `yyyyMMdd'T'HHmmss'Z'`, e.g. `20130524T000000Z`: the `x-amz-date` header.
    let amzDate: String
    /// `yyyyMMdd`, e.g. `20130524`: the first part of the credential scope.
    let dateStamp: String

    /// Formats `date` in UTC, whole seconds (fractions are dropped).
    init(_ date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        dateStamp = (parts.year ?? 0).zeroPadded(to: 4) + (parts.month ?? 0).zeroPadded(to: 2)
            + (parts.day ?? 0).zeroPadded(to: 2)
        amzDate = dateStamp + "T" + (parts.hour ?? 0).zeroPadded(to: 2) + (parts.minute ?? 0).zeroPadded(to: 2)
            + (parts.second ?? 0).zeroPadded(to: 2) + "Z"
    }
}
