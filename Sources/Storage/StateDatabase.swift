import CSQLite
import Foundation
import Pipeline

/// The state file: what a run keeps for the next one (the outbox of undelivered points, the
/// points a destination refused, the HTTP response cache). A different file from the metrics store: it is small, private to the collector
/// and may be thrown away (set aside) when damaged.
public enum StateDatabase {
    /// Later features add their tables as new steps at the end.
    public static let schema = SQLiteSchema(
        name: "state",
        migrations: [
            """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                destination TEXT NOT NULL,
                pipeline TEXT NOT NULL,
                metric TEXT NOT NULL,
                type TEXT NOT NULL CHECK (type IN ('gauge', 'count')),
                value REAL,
                timestamp INTEGER NOT NULL,
                tags TEXT NOT NULL,
                unit TEXT,
                interval INTEGER,
                enqueued_at REAL NOT NULL,
                -- Timestamp before metric and tags: new points land at the end of the index
                -- instead of all over it (the same uniqueness; far fewer pages written per batch).
                UNIQUE (destination, pipeline, timestamp, metric, tags)
            ) STRICT;
            CREATE INDEX outbox_by_age ON outbox (destination, pipeline, timestamp);
            """,
            // 2: the HTTP response cache (`ResponseCache`).
            """
            CREATE TABLE response_cache (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL,
                -- SHA-256 (hex) of the Authorization value, "" without one: never the token itself.
                authorization TEXT NOT NULL,
                status INTEGER NOT NULL,
                etag TEXT,
                last_modified TEXT,
                link TEXT,
                body BLOB NOT NULL,
                stored_at REAL NOT NULL,
                used_at REAL NOT NULL,
                UNIQUE (url, authorization)
            ) STRICT;
            CREATE INDEX response_cache_by_use ON response_cache (used_at);
            """,
            // 3: points a destination refused (Datadog's 400), set aside from the outbox for
            // inspection rather than retried forever (`Outbox.setAside`).
            """
            CREATE TABLE outbox_refused (
                id INTEGER PRIMARY KEY,
                destination TEXT NOT NULL,
                pipeline TEXT NOT NULL,
                metric TEXT NOT NULL,
                type TEXT NOT NULL CHECK (type IN ('gauge', 'count')),
                value REAL,
                timestamp INTEGER NOT NULL,
                tags TEXT NOT NULL,
                unit TEXT,
                interval INTEGER,
                enqueued_at REAL NOT NULL,
                refused_at REAL NOT NULL,
                -- What the destination answered (Datadog's errors), never a credential.
                reason TEXT NOT NULL,
                UNIQUE (destination, pipeline, timestamp, metric, tags)
            ) STRICT;
            """,
            // 4: the metric metadata last set at each destination (`MetricMetadataStore`).
            """
            CREATE TABLE metric_metadata (
                destination TEXT NOT NULL,
                metric TEXT NOT NULL,
                -- The JSON body that was accepted: set again only when it changes.
                body TEXT NOT NULL,
                set_at REAL NOT NULL,
                PRIMARY KEY (destination, metric)
            ) STRICT;
            """,
        ],
        applicationID: 0x5050_5354)  // "PPST"

    /// `$PIPELINE_STATE_DIR/state.sqlite`, else `$XDG_STATE_HOME/pipeline/state.sqlite`, else
    /// `~/.local/state/pipeline/state.sqlite`; creates the directory (mode 0700) if it is missing.
    /// A directory that cannot be created is left for opening to report.
    public static func defaultPath(environment: [String: String]) -> String {
        func nonEmpty(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value.count > 1 && value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        let directory: String
        if let dir = nonEmpty("PIPELINE_STATE_DIR") {
            directory = dir
        } else if let xdg = nonEmpty("XDG_STATE_HOME") {
            directory = xdg + "/pipeline"
        } else {
            let home = nonEmpty("HOME") ?? NSHomeDirectory()
            directory = home + "/.local/state/pipeline"
        }
        return directory + "/state.sqlite"
    }

    /// Opens (creating it if needed) and migrates the state file, and checks its integrity
    /// (`PRAGMA quick_check`, milliseconds on a file this size): a damaged file fails here with
    /// an error whose `isCorruption` is true, rather than half-way through a run.
    public static func open(path: String) throws -> SQLiteDatabase {
        // The directory is made on first use, not when a path is worked out (`validate` writes nothing).
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let database = try SQLiteDatabase(path: path)
        if let complaint = try database.quickCheck() {
            throw SQLiteError(
                file: path, operation: "cannot open", code: SQLITE_CORRUPT, message: "integrity check failed: \(complaint)")
        }
        try database.migrate(schema)
        return database
    }

    /// Renames a damaged file (and its `-wal` and `-shm`) to `<path>.corrupt-<UTC time>`, so
    /// that the next open starts afresh and the old file stays for inspection; returns the new path.
    public static func setAside(path: String) throws -> String {
        let stamp = Timestamp.format(Timestamp.now()).filter { $0 != "-" && $0 != ":" }  // 20261123T050000Z
        var target = "\(path).corrupt-\(stamp)"
        var n = 2
        while FileManager.default.fileExists(atPath: target) {
            target = "\(path).corrupt-\(stamp)-\(n)"
            n += 1
        }
        for suffix in ["", "-wal", "-shm"] {
            let from = path + suffix
            guard suffix.isEmpty || FileManager.default.fileExists(atPath: from) else { continue }
            if rename(from, target + suffix) != 0 {
                throw SQLiteError(
                    file: from, operation: "cannot set aside", code: SQLITE_IOERR, message: String(cString: strerror(errno)),
                    hint: "check that the file exists and its directory is writable")
            }
        }
        return target
    }
}

extension StateDatabase {
    /// The damaged state files `setAside(path:)` left beside `path` (their `-wal` and `-shm`
    /// aside), oldest first: until someone recovers or deletes them, their queued points are
    /// sent by no run.
    public static func setAsideFiles(besides path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".corrupt-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix(prefix) && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }.sorted()
            .map { directory + "/" + $0 }
    }

    /// The number of points queued in a damaged state file, or why it cannot be read.
    public static func queuedPoints(inDamaged path: String) -> Result<Int, SQLiteError> {
        do {
            let database = try SQLiteDatabase(path: path, options: .existingReadOnly)
            let count = try database.withConnection(operation: "cannot count queued points") { connection in
                Int(try connection.scalar("SELECT count(*) FROM outbox") ?? 0)
            }
            return .success(count)
        } catch let error as SQLiteError {
            return .failure(error)
        } catch {
            return .failure(SQLiteError(file: path, operation: "cannot read", code: SQLITE_ERROR, message: "\(error)"))
        }
    }

    /// What a damaged state file set aside as `path` holds that no run sends, and what to do:
    /// "the 12 points queued in it, which no run sends: `pipeline outbox recover PATH` queues
    /// them again (deleting the file discards them)".
    public static func describeQueuedPoints(inSetAside path: String) -> String {
        let recover = "`pipeline outbox recover \(path)` queues them again (deleting the file discards them)"
        switch queuedPoints(inDamaged: path) {
        case .success(0): return "no points queued in it (delete it when it is of no more use)"
        case .success(let count): return "the \(count) points queued in it, which no run sends: \(recover)"
        case .failure(let error):
            return "the points queued in it (how many cannot be read: \(error.message)), which no run sends: \(recover)"
        }
    }
}
