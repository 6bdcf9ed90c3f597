import HTTP
import Pipeline

/// Bounds of time-filtered listings, chosen so their URLs stay the same from one run to the
/// next (a conditional request for an unchanged URL is answered 304, which is free).
extension StageContext {
    /// Whether the run's clock is within a day of the wall clock (a scheduled run, not a backfill
    /// `--as-of`): listings then leave their upper bound open, and the `window` stages after them
    /// drop what came after the clock. A backfill keeps the exact upper bound.
    var listsOpenEnded: Bool {
        abs(run.startedAt - run.now) <= 86_400
    }

    /// `span` (plus the lookback) before the run's clock, rounded down to the UTC day: a superset
    /// of the span whose value changes once a day.
    func dayStart(before span: Double) -> Int {
        ListingBounds.floor(Int(run.now - span - run.lookback), to: ListingBounds.day)
    }
}

enum ListingBounds {
    static let day = 86_400

    /// `seconds` rounded down to a multiple of `unit` (toward the past, also before 1970).
    static func floor(_ seconds: Int, to unit: Int) -> Int {
        let rest = seconds % unit
        return rest < 0 ? seconds - rest - unit : seconds - rest
    }
}
