import Foundation
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Dates in HTTP headers and durations as curl takes them, without `DateFormatter` (not
/// `Sendable`, and heavier than these formats need). Message text is `TimeText`'s.
enum HTTPDate {
    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `Retry-After` uses.
    static func parseIMF(_ text: String) -> Date? {
        let words = text.split(separator: " ")
        guard words.count == 6, words[5] == "GMT",
            let day = Int32(words[1]),
            let month = months.firstIndex(of: String(words[2])),
            let year = Int32(words[3])
        else { return nil }
        let clock = words[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = clock[0]
        parts.tm_min = clock[1]
        parts.tm_sec = clock[2]
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// The duration in whole milliseconds, at least 1 (curl reads 0 as "no timeout").
    static func curlMilliseconds(_ duration: Duration) -> Int {
        let (whole, fraction) = duration.components
        return max(1, Int(whole) * 1000 + Int(fraction / 1_000_000_000_000_000))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
