import Foundation

/// The `created` parameter of the workflow-run listings, in GitHub's search date syntax:
/// `A..B` (inclusive; `*` for an open end), `>=A`, `<=A`, `>A`, `<A`, or a bare `A`, where A and B
/// are dates (YYYY-MM-DD, meaning the whole UTC day) or ISO 8601 date-times.
public struct CreatedFilter: Sendable, Equatable {
    public struct Bound: Sendable, Equatable {
        public var date: Date
        public var inclusive: Bool
    }

    public var lower: Bound?
    public var upper: Bound?

    public init(lower: Bound?, upper: Bound?) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ date: Date) -> Bool {
        if let lower, lower.inclusive ? date < lower.date : date <= lower.date { return false }
        if let upper, upper.inclusive ? date > upper.date : date >= upper.date { return false }
        return true
    }

    /// nil when the text is not valid syntax.
    public init?(_ text: String) {
        // An unencoded "+" of a time-zone offset arrives as a space after query decoding.
        let text = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "+")
        if let range = text.range(of: "..") {
            let from = String(text[..<range.lowerBound])
            let to = String(text[range.upperBound...])
            if from == "*" {
                lower = nil
            } else {
                guard let parsed = GitHubDate.parse(from) else { return nil }
                lower = Self.startBound(parsed)
            }
            if to == "*" {
                upper = nil
            } else {
                guard let parsed = GitHubDate.parse(to) else { return nil }
                upper = Self.endBound(parsed)
            }
            return
        }
        for op in [">=", "<=", ">", "<"] where text.hasPrefix(op) {
            guard let parsed = GitHubDate.parse(String(text.dropFirst(op.count))) else { return nil }
            switch op {
            case ">=": (lower, upper) = (Self.startBound(parsed), nil)
            case "<=": (lower, upper) = (nil, Self.endBound(parsed))
            case ">": (lower, upper) = (Self.afterBound(parsed), nil)
            default: (lower, upper) = (nil, Self.beforeBound(parsed))
            }
            return
        }
        guard let parsed = GitHubDate.parse(text) else { return nil }
        (lower, upper) = (Self.startBound(parsed), Self.endBound(parsed))
    }

    private static let day: TimeInterval = 86_400

    /// From the start of a day or the instant itself, inclusive.
    private static func startBound(_ parsed: GitHubDate.Parsed) -> Bound {
        switch parsed {
        case .day(let start): Bound(date: start, inclusive: true)
        case .instant(let date): Bound(date: date, inclusive: true)
        }
    }

    /// Through the end of a day, or the instant itself, inclusive.
    private static func endBound(_ parsed: GitHubDate.Parsed) -> Bound {
        switch parsed {
        case .day(let start): Bound(date: start.addingTimeInterval(day), inclusive: false)
        case .instant(let date): Bound(date: date, inclusive: true)
        }
    }

    /// Strictly after a day (from the next day on) or an instant.
    private static func afterBound(_ parsed: GitHubDate.Parsed) -> Bound {
        switch parsed {
        case .day(let start): Bound(date: start.addingTimeInterval(day), inclusive: true)
        case .instant(let date): Bound(date: date, inclusive: false)
        }
    }

    /// Strictly before a day's start or an instant.
    private static func beforeBound(_ parsed: GitHubDate.Parsed) -> Bound {
        switch parsed {
        case .day(let start): Bound(date: start, inclusive: false)
        case .instant(let date): Bound(date: date, inclusive: false)
        }
    }
}
