import Pipeline

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
        try insert(points, pipeline: pipeline, destination: destination, statement: Self.insert)
    }

    /// Inserts `points` in one transaction with `sql` (an upsert, or one that keeps existing rows).
    private func insert(_ points: [MetricPoint], pipeline: String, destination: String, statement sql: String) throws {
        let now = Timestamp.now()
        try database.transaction(operation: "cannot queue points for \(destination)") { connection in
            try connection.withStatement(sql) { statement in
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
                try collect(
                    "\(select) AND id > ? ORDER BY timestamp, id LIMIT ?", key + [.integer(afterID), .integer(Int64(limit))])
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

extension Outbox {
    // MARK: Points a destination refused

    /// Moves entries out of the outbox into `outbox_refused`, each with the destination's reason
    /// (Datadog's error), in one transaction: they are kept for inspection and no longer sent.
    /// A point refused before is replaced by its latest refusal.
    public func setAside(_ refusals: [(id: Int64, reason: String)]) throws {
        guard !refusals.isEmpty else { return }
        let now = Timestamp.now()
        try database.transaction(operation: "cannot set refused points aside") { connection in
            try connection.withStatement(
                """
                INSERT OR REPLACE INTO outbox_refused
                    (destination, pipeline, \(PointColumns.names), enqueued_at, refused_at, reason)
                SELECT destination, pipeline, \(PointColumns.names), enqueued_at, ?2, ?3 FROM outbox WHERE id = ?1
                """
            ) { insert in
                try connection.withStatement("DELETE FROM outbox WHERE id = ?") { delete in
                    for (id, reason) in refusals {
                        try insert.bind(id, at: 1)
                        try insert.bind(now, at: 2)
                        try insert.bind(reason, at: 3)
                        try insert.run()
                        try delete.bind(id, at: 1)
                        try delete.run()
                    }
                }
            }
        }
    }

    /// Points set aside as refused, for `pipeline` (every pipeline when nil), oldest first.
    public func refused(pipeline: String? = nil, limit: Int = 1_000) throws -> [RefusedEntry] {
        try database.withConnection(operation: "cannot read refused points") { connection in
            try connection.query(
                """
                SELECT destination, pipeline, \(PointColumns.names), refused_at, reason FROM outbox_refused
                WHERE ?1 IS NULL OR pipeline = ?1 ORDER BY timestamp, id LIMIT ?2
                """, [pipeline.map(SQLiteValue.text) ?? .null, .integer(Int64(max(0, limit)))]
            ) { row in
                RefusedEntry(
                    destination: row.text(at: 0), pipeline: row.text(at: 1), point: PointColumns.read(row, from: 2),
                    refusedAt: row.double(at: 2 + PointColumns.count), reason: row.text(at: 3 + PointColumns.count))
            }
        }
    }

    /// How many points of `pipeline` (every pipeline when nil) are set aside as refused.
    public func refusedCount(pipeline: String? = nil) throws -> Int {
        try database.withConnection(operation: "cannot count refused points") { connection in
            Int(
                try connection.scalar(
                    "SELECT count(*) FROM outbox_refused WHERE ?1 IS NULL OR pipeline = ?1",
                    [pipeline.map(SQLiteValue.text) ?? .null]) ?? 0)
        }
    }

    /// Discards the refused points of `pipeline` (every pipeline when nil); returns how many.
    @discardableResult
    public func dropRefused(pipeline: String? = nil) throws -> Int {
        try database.transaction(operation: "cannot drop refused points") { connection in
            try connection.execute(
                "DELETE FROM outbox_refused WHERE ?1 IS NULL OR pipeline = ?1", [pipeline.map(SQLiteValue.text) ?? .null])
            return connection.changes
        }
    }

    /// Puts the refused points of `pipeline` (every pipeline when nil) back in the outbox, for a
    /// destination that now takes them; returns how many.
    @discardableResult
    public func requeueRefused(pipeline: String? = nil) throws -> Int {
        try database.transaction(operation: "cannot queue refused points again") { connection in
            let key: [SQLiteValue] = [pipeline.map(SQLiteValue.text) ?? .null]
            try connection.execute(
                """
                INSERT OR IGNORE INTO outbox (destination, pipeline, \(PointColumns.names), enqueued_at)
                SELECT destination, pipeline, \(PointColumns.names), enqueued_at FROM outbox_refused
                WHERE ?1 IS NULL OR pipeline = ?1
                """, key)
            try connection.execute("DELETE FROM outbox_refused WHERE ?1 IS NULL OR pipeline = ?1", key)
            return connection.changes
        }
    }

    // MARK: What waits, and acting on it

    /// For each destination with queued points of `pipeline` (every pipeline when nil): how many.
    public func destinations(pipeline: String? = nil) throws -> [QueuedSummary] {
        try database.withConnection(operation: "cannot read the outbox") { connection in
            try connection.query(
                """
                SELECT pipeline, destination, count(*), min(timestamp), max(timestamp) FROM outbox
                WHERE ?1 IS NULL OR pipeline = ?1 GROUP BY pipeline, destination ORDER BY pipeline, destination
                """, [pipeline.map(SQLiteValue.text) ?? .null]
            ) { row in
                QueuedSummary(
                    pipeline: row.text(at: 0), destination: row.text(at: 1), count: row.int(at: 2),
                    oldest: row.int(at: 3), newest: row.int(at: 4))
            }
        }
    }

    /// How many points of `pipeline` wait for `destination` with a timestamp before `cutoff`.
    public func count(pipeline: String, destination: String, before cutoff: Int) throws -> Int {
        try database.withConnection(operation: "cannot count queued points for \(destination)") { connection in
            Int(
                try connection.scalar(
                    "SELECT count(*) FROM outbox WHERE destination = ? AND pipeline = ? AND timestamp < ?",
                    [.text(destination), .text(pipeline), .integer(Int64(cutoff))]) ?? 0)
        }
    }

    /// Re-addresses the points queued for `from` to `to` (after a change of DD_URL or DD_SITE);
    /// a point already queued for `to` keeps its value there. Returns how many moved.
    @discardableResult
    public func move(pipeline: String? = nil, from: String, to: String) throws -> Int {
        try database.transaction(operation: "cannot move queued points to \(to)") { connection in
            let key: [SQLiteValue] = [.text(from), pipeline.map(SQLiteValue.text) ?? .null]
            try connection.execute(
                """
                INSERT OR IGNORE INTO outbox (destination, pipeline, \(PointColumns.names), enqueued_at)
                SELECT ?3, pipeline, \(PointColumns.names), enqueued_at FROM outbox
                WHERE destination = ?1 AND (?2 IS NULL OR pipeline = ?2)
                """, key + [.text(to)])
            try connection.execute("DELETE FROM outbox WHERE destination = ?1 AND (?2 IS NULL OR pipeline = ?2)", key)
            return connection.changes
        }
    }

    /// Discards the points queued for `destination` (of `pipeline`, or every pipeline); returns how many.
    @discardableResult
    public func drop(pipeline: String? = nil, destination: String) throws -> Int {
        try database.transaction(operation: "cannot drop queued points for \(destination)") { connection in
            try connection.execute(
                "DELETE FROM outbox WHERE destination = ?1 AND (?2 IS NULL OR pipeline = ?2)",
                [.text(destination), pipeline.map(SQLiteValue.text) ?? .null])
            return connection.changes
        }
    }

    /// Discards queued points whose timestamp is before `cutoff` (of `pipeline`, or every
    /// pipeline), for every destination; returns how many.
    @discardableResult
    public func drop(pipeline: String? = nil, before cutoff: Int) throws -> Int {
        try database.transaction(operation: "cannot drop old queued points") { connection in
            try connection.execute(
                "DELETE FROM outbox WHERE timestamp < ?1 AND (?2 IS NULL OR pipeline = ?2)",
                [.integer(Int64(cutoff)), pipeline.map(SQLiteValue.text) ?? .null])
            return connection.changes
        }
    }

    // MARK: Damaged state files

    /// What `recover(from:)` got out of a damaged state file.
    public struct Recovery: Sendable {
        /// Points read and queued again.
        public var points: Int
        /// Why reading stopped early; nil when the whole outbox was read.
        public var problem: String?
    }

    /// Queues again, in this state file, the points queued in the damaged state file `path`
    /// (one that `StateDatabase.setAside` renamed): as much of its outbox as can be read. Points
    /// already queued here keep their value.
    public func recover(from path: String) throws -> Recovery {
        var recovery = Recovery(points: 0, problem: nil)
        let damaged: SQLiteDatabase
        do {
            damaged = try SQLiteDatabase(path: path, options: .existingReadOnly)
        } catch {
            return Recovery(points: 0, problem: "\(error)")
        }
        var afterID: Int64 = 0
        while true {
            let rows: [(pipeline: String, destination: String, id: Int64, point: MetricPoint)]
            do {
                rows = try damaged.withConnection(operation: "cannot read queued points") { connection in
                    try connection.query(
                        "SELECT id, pipeline, destination, \(PointColumns.names) FROM outbox WHERE id > ? ORDER BY id LIMIT 1000",
                        [.integer(afterID)]
                    ) { row in
                        (row.text(at: 1), row.text(at: 2), row.int64(at: 0), PointColumns.read(row, from: 3))
                    }
                }
            } catch {
                recovery.problem = "\(error)"
                return recovery
            }
            guard let last = rows.last else { return recovery }
            afterID = last.id
            for group in Dictionary(grouping: rows, by: { "\($0.pipeline)\u{0}\($0.destination)" }).values {
                guard let first = group.first else { continue }
                try enqueueKeepingExisting(group.map(\.point), pipeline: first.pipeline, destination: first.destination)
                recovery.points += group.count
            }
        }
    }

    /// Like `enqueue`, but a point already queued keeps its value.
    private func enqueueKeepingExisting(_ points: [MetricPoint], pipeline: String, destination: String) throws {
        try insert(
            points, pipeline: pipeline, destination: destination,
            statement: """
                INSERT OR IGNORE INTO outbox (destination, pipeline, \(PointColumns.names), enqueued_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """)
    }
}

/// The points queued for one pipeline and destination.
public struct QueuedSummary: Sendable, Hashable {
    public var pipeline: String
    public var destination: String
    public var count: Int
    /// The oldest and newest timestamps.
    public var oldest: Int
    public var newest: Int
}

/// A point a destination refused, set aside from the outbox.
public struct RefusedEntry: Sendable, Hashable {
    public var destination: String
    public var pipeline: String
    public var point: MetricPoint
    /// When it was set aside (seconds since the epoch).
    public var refusedAt: Double
    /// What the destination answered.
    public var reason: String
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
