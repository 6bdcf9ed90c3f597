import Foundation
import Glibc

/// GitHub's timestamp format ("2026-11-16T05:30:00Z"), done with gmtime/timegm: no shared
/// formatter object to guard across threads, and fast enough to render thousands of objects.
public enum GitHubDate {
    /// "YYYY-MM-DDTHH:MM:SSZ" in UTC, whole seconds (fractions are dropped, as on GitHub).
    public static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// What a parsed date denotes: a whole day or one instant.
    public enum Parsed: Equatable, Sendable {
        case day(start: Date)  // covers [start, start + 1 day)
        case instant(Date)
    }

    /// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z", "±HH:MM", "±HHMM"
    /// or nothing (UTC). nil when malformed.
    public static func parse(_ text: String) -> Parsed? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= chars.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let c = chars[index]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
                index += 1
            }
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < chars.count, chars[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        if index == chars.count {
            return .day(start: makeDate(year, month, day, 0, 0, 0))
        }
        guard expect("T") || expect(" "), let hour = number(2), expect(":"), let minute = number(2) else { return nil }
        var second = 0
        if expect(":") {
            guard let value = number(2) else { return nil }
            second = value
        }
        if expect(".") {
            while index < chars.count, chars[index] >= 48 && chars[index] <= 57 { index += 1 }
        }
        var offset = 0
        if index < chars.count {
            if expect("Z") || expect("z") {
            } else if chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
                let sign = chars[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let hours = number(2) else { return nil }
                _ = expect(":")
                guard let minutes = number(2) else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            } else {
                return nil
            }
        }
        guard index == chars.count, hour < 24, minute < 60, second < 61 else { return nil }
        let local = makeDate(year, month, day, hour, minute, second)
        return .instant(local.addingTimeInterval(TimeInterval(-offset)))
    }

    /// The instant of a parsed value, for parameters like `since` that take one point in time.
    public static func instant(_ text: String) -> Date? {
        switch parse(text) {
        case .day(let start): start
        case .instant(let date): date
        case nil: nil
        }
    }

    private static func makeDate(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int)
        -> Date
    {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
