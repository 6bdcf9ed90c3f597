/// Points a sink could not deliver yet, kept in the state file until a later run delivers them.
///
/// Entries are keyed by `(destination, pipeline, metric, tags, timestamp)`: enqueueing the same
/// point again (a retried run) replaces its value instead of adding a second entry. A sink reads
/// the oldest first (`pending`), delivers, then `remove`s what the destination accepted.
///
/// Opening checks the file's integrity: a damaged state file fails with an `SQLiteError` whose
/// `isCorruption` is true, and the caller may `setAside(path:)` and open afresh.
public final class Outbox: Sendable {
    public let database: SQLiteDatabase
    public var path: String { database.path }

    public init(path: String) throws {
        database = try StateDatabase.open(path: path)
    }

    /// `$PIPELINE_STATE_DIR/state.sqlite`, else `$XDG_STATE_HOME/pipeline/state.sqlite`, else
    /// `~/.local/state/pipeline/state.sqlite`; creates the directory.
    public static func defaultPath(environment: [String: String]) -> String {
        StateDatabase.defaultPath(environment: environment)
    }

    /// Renames a damaged state file (and its `-wal`, `-shm`) to `state.sqlite.corrupt-<UTC time>`;
    /// returns the new path.
    public static func setAside(path: String) throws -> String { try StateDatabase.setAside(path: path) }

    static let insert = """
        INSERT INTO outbox (destination, pipeline, \(PointColumns.names), enqueued_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        ON CONFLICT (destination, pipeline, timestamp, metric, tags) DO UPDATE SET
            type = excluded.type, value = excluded.value, unit = excluded.unit, interval = excluded.interval
        """

    /// Adds `points` for `destination` in one transaction; points already queued are updated in place.
    public func enqueue(_ points: [MetricPoint], pipeline: String, destination: String) throws {
        guard !points.isEmpty else { return }
        let now = Timestamp.now()
        try database.transaction(operation: "cannot queue points for \(destination)") { connection in
            try connection.withStatement(Self.insert) { statement in
                try statement.bind(destination, at: 1)
                try statement.bind(pipeline, at: 2)
                try statement.bind(now, at: 10)
                for point in points {
                    try PointColumns.bind(point, to: statement, from: 3)
                    try statement.run()
                }
            }
        }
    }

    /// Up to `limit` entries, oldest first (by timestamp, then id); `afterID` continues after the
    /// last entry of a previous page. If that entry was removed in the meantime its place is
    /// unknown: the page then holds entries with a larger id (queued later), still oldest first.
    public func pending(pipeline: String, destination: String, limit: Int, afterID: Int64? = nil) throws -> [OutboxEntry] {
        let select = "SELECT id, \(PointColumns.names) FROM outbox WHERE destination = ? AND pipeline = ?"
        let key: [SQLiteValue] = [.text(destination), .text(pipeline)]
        let limit = max(0, limit)
        return try database.withConnection(operation: "cannot read queued points for \(destination)") { connection in
            var entries: [OutboxEntry] = []
            func collect(_ sql: String, _ values: [SQLiteValue]) throws {
                entries += try connection.query(sql, values) { row in
                    OutboxEntry(id: row.int64(at: 0), point: PointColumns.read(row, from: 1))
                }
            }
            guard let afterID else {
                try collect("\(select) ORDER BY timestamp, id LIMIT ?", key + [.integer(Int64(limit))])
                return entries
            }
            guard let timestamp = try connection.scalar("SELECT timestamp FROM outbox WHERE id = ?", [.integer(afterID)]) else {
                try collect("\(select) AND id > ? ORDER BY timestamp, id LIMIT ?", key + [.integer(afterID), .integer(Int64(limit))])
                return entries
            }
            // Keyset paging in two index ranges: the rest of the cursor's second, then later seconds.
            try collect(
                "\(select) AND timestamp = ? AND id > ? ORDER BY id LIMIT ?",
                key + [.integer(timestamp), .integer(afterID), .integer(Int64(limit))])
            if entries.count < limit {
                try collect(
                    "\(select) AND timestamp > ? ORDER BY timestamp, id LIMIT ?",
                    key + [.integer(timestamp), .integer(Int64(limit - entries.count))])
            }
            return entries
        }
    }

    /// Removes delivered entries, in one transaction; ids no longer queued are ignored.
    public func remove(ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try database.transaction(operation: "cannot remove delivered points") { connection in
            try connection.withStatement("DELETE FROM outbox WHERE id = ?") { statement in
                for id in ids {
                    try statement.bind(id, at: 1)
                    try statement.run()
                }
            }
        }
    }

    /// The number of entries queued for `destination` by `pipeline`.
    public func count(pipeline: String, destination: String) throws -> Int {
        try database.withConnection(operation: "cannot count queued points for \(destination)") { connection in
            Int(
                try connection.scalar(
                    "SELECT count(*) FROM outbox WHERE destination = ? AND pipeline = ?", [.text(destination), .text(pipeline)])
                    ?? 0)
        }
    }
}

/// A queued point and its id, to `remove` once delivered.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var point: MetricPoint

    public init(id: Int64, point: MetricPoint) {
        self.id = id
        self.point = point
    }
}
