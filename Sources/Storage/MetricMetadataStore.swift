import Pipeline

/// The metric metadata (type, unit, description) last accepted by each destination, kept in the
/// state file, so the Datadog sink sets a metric's metadata when it changes, not on every run.
public final class MetricMetadataStore: Sendable {
    public let database: SQLiteDatabase

    /// Opens the state file at `path` (`StateDatabase.open`).
    public convenience init(path: String) throws { self.init(database: try StateDatabase.open(path: path)) }

    public init(database: SQLiteDatabase) { self.database = database }

    /// The body last accepted for `metric` at `destination`, if any.
    public func body(destination: String, metric: String) throws -> String? {
        try database.withConnection(operation: "cannot read metric metadata") { connection in
            try connection.query(
                "SELECT body FROM metric_metadata WHERE destination = ? AND metric = ?", [.text(destination), .text(metric)]
            ) { $0.text(at: 0) }.first
        }
    }

    /// Records `body` as accepted for `metric` at `destination`.
    public func store(_ body: String, destination: String, metric: String, at time: Double = Timestamp.now()) throws {
        try database.withConnection(operation: "cannot store metric metadata") { connection in
            try connection.execute(
                """
                INSERT INTO metric_metadata (destination, metric, body, set_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (destination, metric) DO UPDATE SET body = excluded.body, set_at = excluded.set_at
                """, [.text(destination), .text(metric), .text(body), .real(time)])
        }
    }
}
