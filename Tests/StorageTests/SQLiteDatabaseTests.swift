import Foundation
import Synchronization
import TestKit
import Testing

@testable import Pipeline
@testable import Storage

@Suite("SQLite wrapper")
struct SQLiteDatabaseTests {
    @Test("opening sets WAL, foreign keys and a busy timeout, and creates the file")
    func openSettings() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            #expect(FileManager.default.fileExists(atPath: dir + "/a.sqlite"))
            let (mode, foreignKeys, timeout, synchronous) = try db.withConnection { c in
                (
                    try c.query("PRAGMA journal_mode") { $0.text(at: 0) }.first,
                    try c.scalar("PRAGMA foreign_keys"), try c.scalar("PRAGMA busy_timeout"),
                    try c.scalar("PRAGMA synchronous")
                )
            }
            #expect(mode == "wal")
            #expect(foreignKeys == 1)
            #expect(timeout == 5000)
            #expect(synchronous == 1)  // NORMAL
        }
    }

    @Test("typed binds and columns round-trip, including empty text, NULL, NaN and Unicode")
    func typedValues() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT)")
            try db.withConnection { c in
                let insert = try c.prepare("INSERT INTO t VALUES (?, ?, ?, ?)")
                try insert.bind(Int64.max, at: 1)
                try insert.bind(2.5, at: 2)
                try insert.bind("héllo, 世界 🚀", at: 3)
                try insert.bind(nil as String?, at: 4)
                try insert.run()
                try insert.bind(-1, at: 1)
                try insert.bind(Double.nan, at: 2)
                try insert.bind("", at: 3)
                try insert.bind("x" as String?, at: 4)
                try insert.run()
            }
            struct Row: Sendable, Equatable {
                var i: Int64
                var r: Double?
                var s: String
                var sIsNull: Bool
                var n: String?
            }
            let rows = try db.withConnection { c in
                try c.query("SELECT i, r, s, n FROM t ORDER BY rowid") { row in
                    Row(
                        i: row.int64(at: 0), r: row.optionalDouble(at: 1), s: row.text(at: 2),
                        sIsNull: row.isNull(at: 2),
                        n: row.optionalText(at: 3))
                }
            }
            #expect(
                rows == [
                    Row(i: .max, r: 2.5, s: "héllo, 世界 🚀", sIsNull: false, n: nil),
                    Row(i: -1, r: nil, s: "", sIsNull: false, n: "x"),
                ])
            let values = try db.withConnection { c in
                try c.query("SELECT 1, 1.5, 'a', NULL") { row in (0..<4).map { row.value(at: $0) } }
            }
            #expect(values == [[.integer(1), .real(1.5), .text("a"), .null]])
        }
    }

    @Test("a transaction commits when its body returns and rolls back when it throws")
    func transactions() async throws {
        struct Boom: Error {}
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            try db.execute("CREATE TABLE t (x INTEGER)")
            try db.transaction { try $0.execute("INSERT INTO t VALUES (?)", [.integer(1)]) }
            #expect(throws: Boom.self) {
                try db.transaction { c in
                    try c.execute("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            // A nested level is a savepoint: its failure undoes only its own work.
            try db.transaction { c in
                try c.execute("INSERT INTO t VALUES (3)")
                _ = try? c.transaction { inner in
                    try inner.execute("INSERT INTO t VALUES (4)")
                    throw Boom()
                }
                try c.transaction { try $0.execute("INSERT INTO t VALUES (5)") }
            }
            let values = try db.withConnection { try $0.query("SELECT x FROM t ORDER BY x") { $0.int(at: 0) } }
            #expect(values == [1, 3, 5])
            #expect(try db.withConnection { $0.isInTransaction } == false)
        }
    }

    @Test("a file that cannot be opened: one line naming the file, the operation and what to check")
    func cannotOpen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/missing/metrics.sqlite"
            let error = try #require(sqliteError { _ = try SQLiteDatabase(path: path) })
            #expect(
                error.description
                    == "\(path): cannot open: unable to open database file; check the path and its directory's permissions"
            )
            #expect(!error.isCorruption)
            // Without `create`, a missing file is an error too.
            let absent = try #require(
                sqliteError { _ = try SQLiteDatabase(path: dir + "/none.sqlite", options: .existingReadOnly) })
            #expect(absent.operation == "cannot open")
            #expect(!FileManager.default.fileExists(atPath: dir + "/none.sqlite"))
        }
    }

    @Test("SQL errors name the file and stay on one line")
    func sqlErrors() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            let syntax = try #require(sqliteError { try db.execute("CREATE TABLE (") })
            #expect(syntax.description.hasPrefix("\(dir)/a.sqlite: cannot execute statement: "))
            #expect(syntax.description.contains("syntax error"))
            try db.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
            try db.execute("INSERT INTO t VALUES (1)")
            let duplicate = try #require(
                sqliteError {
                    try db.withConnection(operation: "cannot add x") {
                        try $0.execute("INSERT INTO t VALUES (?)", [.integer(1)])
                    }
                })
            #expect(duplicate.description == "\(dir)/a.sqlite: cannot add x: UNIQUE constraint failed: t.x")
            #expect(!duplicate.description.contains("\n"))
        }
    }

    @Test("a read-only connection refuses writes")
    func readOnly() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/a.sqlite"
            try SQLiteDatabase(path: path).execute("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            let db = try SQLiteDatabase(path: path, options: .existingReadOnly)
            #expect(try db.withConnection { try $0.scalar("SELECT count(*) FROM t") } == 1)
            let error = try #require(sqliteError { try db.execute("INSERT INTO t VALUES (2)") })
            #expect(error.description.contains("readonly"))
        }
    }

    @Test("concurrent tasks share one database; each transaction is whole")
    func concurrentTasks() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            try db.execute("CREATE TABLE t (task INTEGER, n INTEGER)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for batch in 0..<10 {
                            try db.transaction { c in
                                for n in 0..<10 {
                                    try c.execute(
                                        "INSERT INTO t VALUES (?, ?)",
                                        [.integer(Int64(task)), .integer(Int64(batch * 10 + n))])
                                }
                            }
                            await Task.yield()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try db.withConnection { try $0.scalar("SELECT count(*) FROM t") } == 800)
            #expect(try db.withConnection { try $0.scalar("SELECT count(DISTINCT task * 1000 + n) FROM t") } == 800)
        }
    }

    @Test("two connections to one file: the second waits for the first's write lock instead of failing")
    func twoConnections() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/a.sqlite"
            let first = try SQLiteDatabase(path: path)
            let second = try SQLiteDatabase(path: path)
            try first.execute("CREATE TABLE t (x)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for db in [first, second] {
                    group.addTask {
                        for i in 0..<50 {
                            try db.transaction { try $0.execute("INSERT INTO t VALUES (?)", [.integer(Int64(i))]) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try second.withConnection { try $0.scalar("SELECT count(*) FROM t") } == 100)
        }
    }
}

@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    static let v1 = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
    static let v2 = "ALTER TABLE notes ADD COLUMN author TEXT; CREATE INDEX notes_by_author ON notes (author)"
    static let v3 = "CREATE TABLE tags (note INTEGER REFERENCES notes (id), tag TEXT)"

    @Test("from version 0, every step runs and user_version records the last")
    func fromZero() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            let schema = SQLiteSchema(name: "notes", migrations: [Self.v1, Self.v2, Self.v3], applicationID: 42)
            let result = try db.migrate(schema)
            #expect(result.from == 0 && result.to == 3)
            #expect(try db.userVersion() == 3)
            #expect(try db.withConnection { try $0.applicationID() } == 42)
            let tables = try db.withConnection { c in
                try c.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") { $0.text(at: 0) }
            }
            #expect(tables == ["notes", "tags"])
            // Migrating again does nothing.
            let again = try db.migrate(schema)
            #expect(again.from == 3 && again.to == 3)
        }
    }

    @Test("from an older version, only the new steps run and the data stays")
    func fromOlder() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/a.sqlite"
            do {
                let old = try SQLiteDatabase(path: path)
                try old.migrate(SQLiteSchema(name: "notes", migrations: [Self.v1]))
                try old.execute("INSERT INTO notes (body) VALUES ('kept')")
            }
            let db = try SQLiteDatabase(path: path)
            let result = try db.migrate(SQLiteSchema(name: "notes", migrations: [Self.v1, Self.v2, Self.v3]))
            #expect(result.from == 1 && result.to == 3)
            let rows = try db.withConnection { c in
                try c.query("SELECT body, author FROM notes") { [$0.text(at: 0), $0.optionalText(at: 1) ?? "NULL"] }
            }
            #expect(rows == [["kept", "NULL"]])
        }
    }

    @Test("a failing step leaves the file at its old version, untouched")
    func failingStep() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            try db.migrate(SQLiteSchema(name: "notes", migrations: [Self.v1]))
            let broken = SQLiteSchema(name: "notes", migrations: [Self.v1, Self.v2, "CREATE TABLE notes (x)"])
            let error = try #require(sqliteError { try db.migrate(broken) })
            #expect(error.operation == "cannot migrate the notes schema to version 3")
            #expect(error.description.contains("table notes already exists"))
            #expect(try db.userVersion() == 1)
            let columns = try db.withConnection { try $0.query("PRAGMA table_info(notes)") { $0.text(at: 1) } }
            #expect(columns == ["id", "body"])
        }
    }

    @Test("a file from a newer program is refused")
    func newerVersion() async throws {
        try await withTemporaryDirectory { dir in
            let db = try SQLiteDatabase(path: dir + "/a.sqlite")
            try db.migrate(SQLiteSchema(name: "notes", migrations: [Self.v1, Self.v2]))
            let error = try #require(sqliteError { try db.migrate(SQLiteSchema(name: "notes", migrations: [Self.v1])) })
            #expect(
                error.description
                    == "\(dir)/a.sqlite: cannot use the notes schema: the file is at schema version 2, newer than this program's 1; upgrade pipeline"
            )
        }
    }

    @Test("a file of another kind (application_id) is refused")
    func otherApplication() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            _ = try Outbox(path: path)
            let error = try #require(sqliteError { _ = try MetricsDatabase(path: path) })
            #expect(error.description.contains("cannot use the metrics schema"))
            #expect(error.description.contains("is this the right file?"))
        }
    }
}
