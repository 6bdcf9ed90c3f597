import Pipeline

/// How a `MetricPoint` is laid out in a flat row (the outbox), and the canonical form of tags
/// (the outbox and the metrics store's `series`).
///
/// Columns, in order: `metric, type, value, timestamp, tags, unit, interval`. Tags are stored in
/// canonical form (sorted, duplicates dropped, comma-joined: `env:prod,repo:o/r`), so the same
/// tags in another order make the same key; normalised tags (`Tags.normalize`) never contain a
/// comma. A NaN value is stored as NULL (SQLite's rule) and read back as NaN.
enum PointColumns {
    static let names = "metric, type, value, timestamp, tags, unit, interval"
    static let count = 7

    /// Sorted, without duplicates, comma-joined.
    static func canonicalTags(_ tags: [String]) -> String {
        if tags.isEmpty { return "" }
        var sortedUnique = true
        for i in tags.indices.dropFirst() where !(tags[i - 1] < tags[i]) {
            sortedUnique = false
            break
        }
        if sortedUnique { return tags.joined(separator: ",") }
        return Set(tags).sorted().joined(separator: ",")
    }

    static func tags(fromCanonical text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
    }

    /// Binds `point` to the parameters `first` … `first + 6`.
    static func bind(_ point: MetricPoint, to statement: SQLiteStatement, from first: Int) throws {
        try statement.bind(point.metric, at: first)
        try statement.bind(point.kind.rawValue, at: first + 1)
        try statement.bind(point.value, at: first + 2)
        try statement.bind(point.timestamp, at: first + 3)
        try statement.bind(canonicalTags(point.tags), at: first + 4)
        try statement.bind(point.unit, at: first + 5)
        try statement.bind(point.interval, at: first + 6)
    }

    /// Reads a point from the columns `first` … `first + 6` of the current row.
    static func read(_ statement: SQLiteStatement, from first: Int) -> MetricPoint {
        MetricPoint(
            metric: statement.text(at: first),
            value: statement.optionalDouble(at: first + 2) ?? .nan,
            timestamp: statement.int(at: first + 3),
            kind: statement.text(at: first + 1) == "count" ? .count : .gauge,
            tags: tags(fromCanonical: statement.text(at: first + 4)),
            unit: statement.optionalText(at: first + 5),
            interval: statement.optionalInt(at: first + 6))
    }
}
