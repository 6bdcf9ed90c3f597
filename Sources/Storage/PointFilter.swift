import Pipeline

/// Which stored points to read: every condition given must hold.
public struct PointFilter: Sendable, Hashable {
    /// A metric name pattern with SQLite GLOB semantics: `*`, `?`, `[a-z]`, case-sensitive
    /// (`github.ci.*`). `*` (the default) matches every metric.
    public var metric: String
    /// The first second to include, inclusive.
    public var since: Int?
    /// The last second to include, inclusive.
    public var until: Int?
    /// Only points written by this pipeline.
    public var pipeline: String?
    /// Tags that must all be present (`repo:octo-org/octo-repo`); a point may have more.
    public var tags: [String]

    public init(metric: String = "*", since: Int? = nil, until: Int? = nil, pipeline: String? = nil, tags: [String] = []) {
        self.metric = metric
        self.since = since
        self.until = until
        self.pipeline = pipeline
        self.tags = tags
    }

    /// Every point.
    public static let all = PointFilter()

    /// The conditions on a point's series (everything but time), as SQL over the `series`
    /// table, and their bindings in order.
    var seriesConditions: (sql: [String], bindings: [SQLiteValue]) {
        var sql: [String] = []
        var bindings: [SQLiteValue] = []
        if metric != "*" {
            sql.append("metric GLOB ?")
            bindings.append(.text(metric))
        }
        if let pipeline {
            sql.append("pipeline = ?")
            bindings.append(.text(pipeline))
        }
        // Tags are stored comma-joined: look for ",tag," in ",a,b,".
        for tag in Set(tags).sorted() {
            sql.append("instr(',' || tags || ',', ?) > 0")
            bindings.append(.text(",\(tag),"))
        }
        return (sql, bindings)
    }

    /// The inclusive time range as integers SQLite compares with.
    var range: (lower: Int64, upper: Int64) { (since.map(Int64.init) ?? .min, until.map(Int64.init) ?? .max) }
}
