/// How often a cron schedule fires: the longest gap between two firings over a week, in
/// seconds. Supports five fields (minute hour day-of-month month day-of-week) of `*`, `*/N`,
/// `N`, `N-M`, `N-M/S` and comma lists. Day-of-month and month, when restricted, are not
/// modelled (the week is walked with every day allowed by them); a schedule restricted by them
/// fires less often than this says, which only makes the monitors quicker to alert.
public enum CronInterval {
    public static func seconds(_ schedule: String) -> Int? {
        let fields = schedule.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5,
            let minutes = values(fields[0], range: 0...59),
            let hours = values(fields[1], range: 0...23),
            values(fields[2], range: 1...31) != nil,
            values(fields[3], range: 1...12) != nil,
            var weekdays = values(fields[4], range: 0...7)
        else { return nil }
        if weekdays.contains(7) { weekdays.insert(0) }
        var firings: [Int] = []
        for day in 0..<7 where weekdays.contains(day) {
            for hour in hours.sorted() {
                for minute in minutes.sorted() { firings.append(((day * 24) + hour) * 60 + minute) }
            }
        }
        guard let first = firings.first else { return nil }
        let week = 7 * 24 * 60
        var longest = 0
        for (index, firing) in firings.enumerated() {
            let next = index + 1 < firings.count ? firings[index + 1] : first + week
            longest = max(longest, next - firing)
        }
        return longest * 60
    }

    /// The values a field allows; nil when it is not understood or out of `range`.
    static func values(_ field: String, range: ClosedRange<Int>) -> Set<Int>? {
        var result = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count == 1 || pieces.count == 2 else { return nil }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else { return nil }
                step = parsed
            }
            let base = pieces[0]
            var low: Int
            var high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                guard let a = Int(base[..<dash]), let b = Int(base[base.index(after: dash)...]), a <= b else { return nil }
                (low, high) = (a, b)
            } else {
                guard let a = Int(base) else { return nil }
                (low, high) = (a, pieces.count == 2 ? range.upperBound : a)
            }
            guard range.contains(low), range.contains(high) else { return nil }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result.isEmpty ? nil : result
    }
}
