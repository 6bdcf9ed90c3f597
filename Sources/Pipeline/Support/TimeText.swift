import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Times and durations as messages show them, without `DateFormatter` (not `Sendable`, and
/// heavier than these formats need).
public enum TimeText {
    /// `2026-11-23T06:00:00Z`.
    public static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// `0.25 s`, `60 s`.
    public static func seconds(_ duration: Duration) -> String {
        let value = toSeconds(duration)
        if value == value.rounded() { return "\(Int(value)) s" }
        return "\((value * 100).rounded() / 100) s"
    }

    /// The duration in seconds as a Double.
    public static func toSeconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }
}
