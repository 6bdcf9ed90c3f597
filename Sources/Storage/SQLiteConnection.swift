import CSQLite
import Pipeline

/// One open SQLite connection: statements, transactions and the schema version.
///
/// Not thread-safe and not `Sendable`: `SQLiteDatabase` owns it behind a lock and lends it to a
/// closure (`withConnection`, `transaction`). Prepared statements are cached by their SQL text, so a
/// batch written every second prepares its INSERT once.
public final class SQLiteConnection {
    /// `SQLITE_TRANSIENT`, which the importer cannot bring over: SQLite copies the bound bytes.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    let handle: OpaquePointer
    /// The database file as given, for messages.
    public let file: String
    private var cache: [String: SQLiteStatement] = [:]
    private var transactionDepth = 0

    init(handle: OpaquePointer, file: String) {
        self.handle = handle
        self.file = file
    }

    deinit {
        cache.removeAll()
        // close_v2 defers the close until every statement is finalised.
        sqlite3_close_v2(handle)
    }

    // MARK: Statements

    /// Runs one or more statements that bind nothing (DDL, PRAGMA, BEGIN).
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            throw SQLiteError(file: file, operation: "cannot execute statement", code: extendedCode(code), message: text)
        }
    }

    /// Runs one statement with `bindings` and steps it to the end.
    public func execute(_ sql: String, _ bindings: [SQLiteValue]) throws {
        try withStatement(sql) { statement in
            try statement.bind(bindings)
            try statement.run()
        }
    }

    /// A new prepared statement, owned by the caller.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw error(code, "cannot prepare statement")
        }
        return SQLiteStatement(handle: statement, connection: self)
    }

    /// The cached statement for `sql`, reset with its parameters cleared.
    public func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.clear()
            return cached
        }
        let statement = try prepare(sql)
        cache[sql] = statement
        return statement
    }

    /// Runs `body` with the cached statement for `sql`, and resets it afterwards, so that no read
    /// stays open between calls.
    public func withStatement<R>(_ sql: String, _ body: (SQLiteStatement) throws -> R) throws -> R {
        let statement = try statement(sql)
        defer { statement.clear() }
        return try body(statement)
    }

    /// The rows of a query, each mapped by `row`.
    public func query<R>(_ sql: String, _ bindings: [SQLiteValue] = [], row: (SQLiteStatement) throws -> R) throws -> [R] {
        try withStatement(sql) { statement in
            try statement.bind(bindings)
            var rows: [R] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }
    }

    /// The first column of the first row, as an integer; nil when there is no row or it is NULL.
    public func scalar(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int64? {
        try withStatement(sql) { statement in
            try statement.bind(bindings)
            guard try statement.step(), !statement.isNull(at: 0) else { return nil }
            return statement.int64(at: 0)
        }
    }

    /// The rowid of the last row inserted.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// The outermost level is `BEGIN IMMEDIATE` (it takes the write lock at once, so two writers
    /// wait on the busy timeout instead of failing with SQLITE_BUSY half-way); nested levels are
    /// savepoints.
    public func transaction<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        let savepoint = transactionDepth == 0 ? nil : "level\(transactionDepth)"
        try execute(savepoint.map { "SAVEPOINT \($0)" } ?? "BEGIN IMMEDIATE")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body(self)
            try execute(savepoint.map { "RELEASE \($0)" } ?? "COMMIT")
            return result
        } catch {
            if let savepoint {
                try? execute("ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            } else if sqlite3_get_autocommit(handle) == 0 {
                try? execute("ROLLBACK")
            }
            throw error
        }
    }

    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Schema

    /// `PRAGMA user_version`: the schema version the migrations have reached.
    public func userVersion() throws -> Int { Int(try scalar("PRAGMA user_version") ?? 0) }

    /// `PRAGMA application_id`: which program's file this is (0 when nobody set it).
    public func applicationID() throws -> Int32 { Int32(truncatingIfNeeded: try scalar("PRAGMA application_id") ?? 0) }

    // MARK: Errors

    func extendedCode(_ code: Int32) -> Int32 {
        let extended = sqlite3_extended_errcode(handle)
        return extended & 0xff == code & 0xff ? extended : code
    }

    /// The connection's current error as an `SQLiteError`.
    func error(_ code: Int32, _ operation: String) -> SQLiteError {
        let message =
            sqlite3_errcode(handle) == code ? String(cString: sqlite3_errmsg(handle)) : String(cString: sqlite3_errstr(code))
        return SQLiteError(file: file, operation: operation, code: extendedCode(code), message: message)
    }
}
