/// ISO 8601 times as W&B writes them (`2026-12-01T10:00:00`, no zone, meaning UTC) and as filters may
/// send them (with or without fractional seconds and zone), to and from epoch seconds. Written out by
/// hand (days from the civil date) so parsing never depends on a formatter's leniency.
public enum WandBTime {
    /// How a run's time is written in answers.
    public enum Style: Sendable, Equatable {
        /// `2026-12-01T10:00:00`: W&B's usual form.
        case plain
        /// `2026-12-01T10:00:00.125`.
        case millis
        /// `2026-12-01T10:00:00.125000`.
        case micros
        /// `2026-12-01T10:00:00Z`, with milliseconds when the time has a fraction.
        case zulu
    }

    /// `time` (epoch seconds) in `style`; `.plain` drops any fraction (callers keep such times whole).
    public static func format(_ time: Double, style: Style = .plain) -> String {
        let whole = time.rounded(.down)
        let seconds = Int(whole)
        let micros = Int(((time - whole) * 1_000_000).rounded())
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        var text =
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2))"
        switch style {
        case .plain: break
        case .millis: text += "." + pad(micros / 1000, 3)
        case .micros: text += "." + pad(micros, 6)
        case .zulu: text += (micros == 0 ? "" : "." + pad(micros / 1000, 3)) + "Z"
        }
        return text
    }

    /// Epoch seconds of `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM]` (no zone: UTC), or of a bare
    /// `YYYY-MM-DD` (midnight UTC); nil when the text is not such a time.
    public static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            position += count
            return value
        }
        func take(_ character: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == character else { return false }
            position += 1
            return true
        }
        guard let year = number(4), take(45), let month = number(2), take(45), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let days = Double(days(fromYear: year, month: month, day: day))
        if position == bytes.count { return days * 86_400 }
        guard take(84) || take(116) || take(32), let hour = number(2), take(58), let minute = number(2), take(58),
            let second = number(2), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if take(46) {
            var scale = 0.1
            let start = position
            while position < bytes.count, (48...57).contains(bytes[position]) {
                fraction += Double(bytes[position] - 48) * scale
                scale /= 10
                position += 1
            }
            guard position > start else { return nil }
            // Re-read the digits as one decimal so `.125` is exactly 0.125.
            fraction = Double("0." + String(decoding: bytes[start..<position], as: UTF8.self)) ?? fraction
        }
        var offset = 0
        if take(90) || take(122) {
            offset = 0
        } else if position < bytes.count, bytes[position] == 43 || bytes[position] == 45 {
            let sign = bytes[position] == 45 ? -1 : 1
            position += 1
            guard let hours = number(2) else { return nil }
            _ = take(58)
            guard let minutes = number(2) else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard position == bytes.count else { return nil }
        return days * 86_400 + Double(hour * 3600 + minute * 60 + second - offset) + fraction
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromYear year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
