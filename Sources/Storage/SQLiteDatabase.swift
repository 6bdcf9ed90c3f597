import CSQLite
import Pipeline
import Synchronization

/// One SQLite database file behind one connection, safe to share between tasks.
///
/// Every call takes a lock, so calls from concurrent tasks run one after the other; each blocks
/// its thread for the time SQLite needs (microseconds per point, a few milliseconds per commit).
/// Statements and transactions live inside a closure that gets the `SQLiteConnection`; do not
/// call back into the same `SQLiteDatabase` from inside one (the lock is not re-entrant).
///
/// Opening sets WAL journaling (readers never block the writer), `synchronous=NORMAL` (a commit
/// survives a crash of the process, and the file cannot be corrupted by a power cut, though the
/// last commits may be lost), a busy timeout (another process writing makes us wait, not fail) and
/// foreign keys.
public final class SQLiteDatabase: Sendable {
    public struct Options: Sendable {
        /// Create the file when it does not exist (otherwise opening fails with "cannot open").
        public var create: Bool
        /// Open for reading only: no journal-mode change and no migrations.
        public var readOnly: Bool
        /// How long to wait for another connection's lock before failing with SQLITE_BUSY.
        public var busyTimeout: Duration

        public init(create: Bool = true, readOnly: Bool = false, busyTimeout: Duration = .seconds(5)) {
            self.create = create
            self.readOnly = readOnly
            self.busyTimeout = busyTimeout
        }

        public static let readWrite = Options()
        public static let existingReadOnly = Options(create: false, readOnly: true)
    }

    /// The file as given; errors name it.
    public let path: String
    public let options: Options
    private let connection: Mutex<SQLiteConnection>

    public init(path: String, options: Options = .readWrite) throws {
        self.path = path
        self.options = options
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if options.readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0)
        }
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw SQLiteError(file: path, operation: "cannot open", code: code, message: message)
        }
        let connection = SQLiteConnection(handle: handle, file: path)
        // The first statements read the header: a file that is not a database fails here, as "cannot open".
        do {
            let milliseconds =
                options.busyTimeout.components.seconds * 1000
                + options.busyTimeout.components.attoseconds / 1_000_000_000_000_000
            sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
            try connection.execute("PRAGMA foreign_keys = ON")
            if options.readOnly {
                _ = try connection.userVersion()
            } else {
                try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            }
        } catch let error as SQLiteError {
            throw error.during("cannot open")
        }
        self.connection = Mutex(connection)
    }

    // MARK: Access

    /// Runs `body` with the connection, under the lock. `operation` (`cannot read points`)
    /// replaces the low-level operation in any error.
    public func withConnection<R: Sendable>(operation: String? = nil, _ body: (SQLiteConnection) throws -> R) throws -> R {
        do {
            return try connection.withLock { connection in try body(connection) }
        } catch let error as SQLiteError {
            throw operation.map { error.during($0) } ?? error
        }
    }

    /// Runs `body` in one transaction (see `SQLiteConnection.transaction`).
    public func transaction<R: Sendable>(operation: String? = nil, _ body: (SQLiteConnection) throws -> R) throws -> R {
        try withConnection(operation: operation) { connection in try connection.transaction(body) }
    }

    /// Runs statements that bind nothing.
    public func execute(_ sql: String) throws {
        try withConnection { try $0.execute(sql) }
    }

    /// `PRAGMA user_version`.
    public func userVersion() throws -> Int { try withConnection { try $0.userVersion() } }

    /// `PRAGMA quick_check`: nil when the file is sound, else SQLite's first complaint.
    ///
    /// Reads every page: milliseconds for a state file, seconds for a large metrics store.
    public func quickCheck() throws -> String? {
        try withConnection(operation: "cannot check integrity") { connection in
            let rows = try connection.query("PRAGMA quick_check(1)") { $0.text(at: 0) }
            return rows.first == "ok" ? nil : (rows.first ?? "no answer")
        }
    }

    // MARK: Migrations

    /// Brings the file's schema to `schema.version`, applying the steps it has not applied yet.
    ///
    /// Step `i` (0-based) takes the schema from version `i` to `i + 1`; `PRAGMA user_version`
    /// records how far a file has come. All pending steps run in one `BEGIN IMMEDIATE`
    /// transaction, so two processes starting at once migrate once, and a failed step leaves the
    /// file as it was. A file whose version is newer than the schema is refused: this program
    /// would misread it. Returns the versions before and after.
    @discardableResult
    public func migrate(_ schema: SQLiteSchema) throws -> (from: Int, to: Int) {
        if options.readOnly {
            let version = try check(schema)
            return (version, version)
        }
        return try withConnection { connection in
            try connection.transaction { connection in
                let version = try connection.userVersion()
                try Self.checkIdentity(connection, schema, version: version)
                guard version < schema.version else { return (version, version) }
                for step in version..<schema.version {
                    do {
                        try connection.execute(schema.migrations[step])
                    } catch let error as SQLiteError {
                        throw error.during("cannot migrate the \(schema.name) schema to version \(step + 1)")
                    }
                }
                try connection.execute("PRAGMA user_version = \(schema.version)")
                if schema.applicationID != 0 { try connection.execute("PRAGMA application_id = \(schema.applicationID)") }
                return (version, schema.version)
            }
        }
    }

    /// Checks, without changing anything, that the file is at `schema.version`; returns it.
    @discardableResult
    public func check(_ schema: SQLiteSchema) throws -> Int {
        try withConnection { connection in
            let version = try connection.userVersion()
            try Self.checkIdentity(connection, schema, version: version)
            if version == 0 {
                throw SQLiteError(
                    file: path, operation: "cannot read", code: SQLITE_ERROR, message: "the file has no \(schema.name) schema",
                    hint: "is this the right file?")
            }
            if version < schema.version {
                throw SQLiteError(
                    file: path, operation: "cannot read", code: SQLITE_ERROR,
                    message: "the \(schema.name) schema is at version \(version), this program reads version \(schema.version)",
                    hint: "open it once for writing to upgrade it")
            }
            return version
        }
    }

    private static func checkIdentity(_ connection: SQLiteConnection, _ schema: SQLiteSchema, version: Int) throws {
        let id = try connection.applicationID()
        if schema.applicationID != 0, id != 0, id != schema.applicationID {
            throw SQLiteError(
                file: connection.file, operation: "cannot use the \(schema.name) schema", code: SQLITE_ERROR,
                message: "the file belongs to another program or holds another kind of data (application_id \(id))",
                hint: "is this the right file?")
        }
        if version > schema.version {
            throw SQLiteError(
                file: connection.file, operation: "cannot use the \(schema.name) schema", code: SQLITE_ERROR,
                message: "the file is at schema version \(version), newer than this program's \(schema.version)",
                hint: "upgrade pipeline")
        }
    }
}

/// A schema as an ordered list of forward migrations: step `i` takes version `i` to `i + 1`.
///
/// Steps are never edited once released; a change is a new step at the end.
public struct SQLiteSchema: Sendable {
    /// For messages: `metrics`, `state`.
    public var name: String
    public var migrations: [String]
    /// `PRAGMA application_id`, so that a state file is not taken for a metrics file; 0 for none.
    public var applicationID: Int32

    public init(name: String, migrations: [String], applicationID: Int32 = 0) {
        self.name = name
        self.migrations = migrations
        self.applicationID = applicationID
    }

    /// The version a file reaches once every step has run.
    public var version: Int { migrations.count }
}
