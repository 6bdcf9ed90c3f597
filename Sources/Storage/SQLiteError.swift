import CSQLite
import Pipeline

/// A failed SQLite operation, as one line that names the file, what was being done, SQLite's own
/// message and what to do about it:
/// `metrics.sqlite: cannot open: unable to open database file; check the path and its directory's permissions`.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database file as it was given (`metrics.sqlite`, `/var/lib/pipeline/state.sqlite`).
    public var file: String
    /// What was being done: `cannot open`, `cannot write points`, `cannot migrate to schema version 2`.
    public var operation: String
    /// SQLite's extended result code; `SQLITE_ERROR` for faults found by this wrapper (a schema too new).
    public var code: Int32
    /// SQLite's message (`database is locked`), or the wrapper's own.
    public var message: String
    /// What to do about it, when there is something to say.
    public var hint: String?

    public init(file: String, operation: String, code: Int32, message: String, hint: String? = nil) {
        self.file = file
        self.operation = operation
        self.code = code
        self.message = message
        self.hint = hint ?? Self.hint(forCode: code)
    }

    /// The primary result code (`SQLITE_BUSY` for `SQLITE_BUSY_SNAPSHOT`).
    public var primaryCode: Int32 { code & 0xff }

    /// The file is damaged or is not an SQLite database: the caller may set it aside and start afresh.
    public var isCorruption: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }

    /// Another connection holds a lock longer than the busy timeout.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    public var description: String {
        var line = "\(file): \(operation): \(message)"
        if let hint { line += "; \(hint)" }
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The same fault, described as part of a larger operation (`cannot write points`).
    public func during(_ operation: String) -> SQLiteError {
        var copy = self
        copy.operation = operation
        return copy
    }

    static func hint(forCode code: Int32) -> String? {
        switch code & 0xff {
        case SQLITE_CANTOPEN: "check the path and its directory's permissions"
        case SQLITE_CORRUPT, SQLITE_NOTADB: "the file is damaged or is not an SQLite database; move it aside and start a new one"
        case SQLITE_BUSY, SQLITE_LOCKED: "another process holds the database; try again when it has finished"
        case SQLITE_READONLY: "the file or its directory is read-only"
        case SQLITE_FULL: "the disk is full"
        case SQLITE_IOERR: "the disk or file system reported an error"
        case SQLITE_PERM, SQLITE_AUTH: "check the file's permissions"
        default: nil
        }
    }
}
