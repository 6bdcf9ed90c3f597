import Foundation

/// Times relative to a scenario's `now`, in whole seconds (GitHub timestamps have no fractions,
/// and a fractional `now` would make "exactly at the window start" ambiguous).
struct ScenarioClock {
    let now: Date

    init(now: Date) {
        self.now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
    }

    /// The start of the 7-day window, `now - 7d` (inside the window: it is inclusive).
    var windowStart: Date { ago(days: 7) }

    func ago(days: Int = 0, hours: Int = 0, minutes: Int = 0, seconds: Int = 0) -> Date {
        now.addingTimeInterval(-TimeInterval(((days * 24 + hours) * 60 + minutes) * 60 + seconds))
    }
}
