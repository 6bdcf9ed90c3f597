import CSQLite
import Pipeline

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A prepared statement of one connection, reused across executions.
///
/// Parameters are numbered from 1 and columns from 0, as in SQLite. Not thread-safe: a statement
/// belongs to its `SQLiteConnection`, which is only handed out under the database's lock.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// The SQL text it was prepared from.
    public var sql: String { sqlite3_sql(handle).map { String(cString: $0) } ?? "" }

    // MARK: Binding

    public func bind(_ value: Int64, at index: Int) throws {
        try check(sqlite3_bind_int64(handle, Int32(index), value), "cannot bind parameter \(index)")
    }

    public func bind(_ value: Int, at index: Int) throws { try bind(Int64(value), at: index) }

    /// NaN is stored as NULL (SQLite's rule).
    public func bind(_ value: Double, at index: Int) throws {
        try check(sqlite3_bind_double(handle, Int32(index), value), "cannot bind parameter \(index)")
    }

    public func bind(_ value: String, at index: Int) throws {
        // An empty buffer may have no address, and a NULL pointer would bind NULL, not "".
        guard !value.isEmpty else {
            try check(
                sqlite3_bind_text(handle, Int32(index), "", 0, SQLiteConnection.transient), "cannot bind parameter \(index)")
            return
        }
        var text = value
        let result = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(handle, Int32(index), chars.baseAddress, Int32(chars.count), SQLiteConnection.transient)
            }
        }
        try check(result, "cannot bind parameter \(index)")
    }

    /// Binds bytes as a BLOB (an empty array binds an empty BLOB, not NULL).
    public func bind(blob value: [UInt8], at index: Int) throws {
        let result = value.withUnsafeBytes { bytes in
            sqlite3_bind_blob64(
                handle, Int32(index), bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(bytes.count),
                SQLiteConnection.transient)
        }
        try check(result, "cannot bind parameter \(index)")
    }

    public func bindNull(at index: Int) throws {
        try check(sqlite3_bind_null(handle, Int32(index)), "cannot bind parameter \(index)")
    }

    public func bind(_ value: String?, at index: Int) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    public func bind(_ value: Int?, at index: Int) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    public func bind(_ value: SQLiteValue, at index: Int) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let v): try bind(v, at: index)
        case .real(let v): try bind(v, at: index)
        case .text(let v): try bind(v, at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, ….
    public func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1) }
    }

    // MARK: Running

    /// Runs one step: true when a row is ready to read, false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let error = connection.error(code, "cannot execute statement")
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Steps to the end, ignoring rows (INSERT, UPDATE, DELETE), then resets.
    public func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Makes the statement ready to run again; bindings are kept.
    public func reset() { sqlite3_reset(handle) }

    /// Resets and sets every parameter back to NULL.
    public func clear() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading the current row

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func isNull(at column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }

    public func int64(at column: Int) -> Int64 { sqlite3_column_int64(handle, Int32(column)) }

    public func int(at column: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(column))) }

    public func double(at column: Int) -> Double { sqlite3_column_double(handle, Int32(column)) }

    /// The column as text; "" for NULL.
    public func text(at column: Int) -> String {
        guard let bytes = sqlite3_column_text(handle, Int32(column)) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column as bytes (a BLOB, or text's UTF-8); empty for NULL.
    public func blob(at column: Int) -> [UInt8] {
        // Blob first, then its size (SQLite's advice: the size of the converted value).
        guard let bytes = sqlite3_column_blob(handle, Int32(column)) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, Int32(column)))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func optionalText(at column: Int) -> String? { isNull(at: column) ? nil : text(at: column) }

    public func optionalInt(at column: Int) -> Int? { isNull(at: column) ? nil : int(at: column) }

    public func optionalDouble(at column: Int) -> Double? { isNull(at: column) ? nil : double(at: column) }

    /// The column's value with its storage class.
    public func value(at column: Int) -> SQLiteValue {
        switch sqlite3_column_type(handle, Int32(column)) {
        case SQLITE_INTEGER: .integer(int64(at: column))
        case SQLITE_FLOAT: .real(double(at: column))
        case SQLITE_NULL: .null
        default: .text(text(at: column))
        }
    }

    private func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        if code != SQLITE_OK { throw connection.error(code, operation()) }
    }
}
