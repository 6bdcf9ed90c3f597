import Foundation
import Pipeline

/// HTTP responses kept in the state file between runs, for conditional requests
/// (`If-None-Match`, `If-Modified-Since`) and for resources that never change.
///
/// Entries are keyed by the request URL and a SHA-256 digest of the `Authorization` value, so
/// two tokens never share an entry and the token itself is never stored. Opening drops entries
/// not used for `maxIdle` (7 days), which bounds the file to what recent runs still ask for.
public final class ResponseCache: Sendable {
    /// One stored response: what a conditional request needs, and what a 304 leaves out.
    public struct Entry: Sendable, Equatable {
        public var status: Int
        public var etag: String?
        public var lastModified: String?
        /// The `Link` header: a 304 may not repeat it, and pagination needs it.
        public var link: String?
        public var body: [UInt8]
        /// When it was stored (seconds since the epoch).
        public var storedAt: Double

        public init(status: Int, etag: String?, lastModified: String?, link: String?, body: [UInt8], storedAt: Double) {
            self.status = status
            self.etag = etag
            self.lastModified = lastModified
            self.link = link
            self.body = body
            self.storedAt = storedAt
        }
    }

    public static let defaultMaxIdle: Double = 7 * 86_400

    public let database: SQLiteDatabase
    public var path: String { database.path }
    private let clock: @Sendable () -> Double

    /// Opens the state file at `path` (see `StateDatabase.open`: a damaged file throws an error
    /// whose `isCorruption` is true) and drops entries unused for longer than `maxIdle` seconds.
    public convenience init(
        path: String, maxIdle: Double = ResponseCache.defaultMaxIdle, clock: @escaping @Sendable () -> Double = Timestamp.now
    ) throws {
        try self.init(database: StateDatabase.open(path: path), maxIdle: maxIdle, clock: clock)
    }

    /// Uses an open, migrated state database.
    public init(
        database: SQLiteDatabase, maxIdle: Double = ResponseCache.defaultMaxIdle,
        clock: @escaping @Sendable () -> Double = Timestamp.now
    ) throws {
        self.database = database
        self.clock = clock
        try database.withConnection(operation: "cannot drop old cached responses") { connection in
            try connection.execute("DELETE FROM response_cache WHERE used_at < ?", [.real(clock() - maxIdle)])
        }
    }

    /// The key part for what the answer depends on besides the URL (`ConditionalFetcher.identity(of:)`:
    /// the request's headers, credentials included): "" for none, else its SHA-256 in hex.
    public static func authorizationKey(_ authorization: String?) -> String {
        guard let authorization, !authorization.isEmpty else { return "" }
        return SHA256.hex(authorization)
    }

    /// The entry for `url` under `authorization`, if any; marks it used (at most once an hour,
    /// to keep reads from writing on every request).
    public func lookup(url: String, authorization: String?) throws -> Entry? {
        let key = Self.authorizationKey(authorization)
        let now = clock()
        return try database.withConnection(operation: "cannot read a cached response") { connection in
            let rows = try connection.query(
                """
                SELECT id, status, etag, last_modified, link, body, stored_at, used_at
                FROM response_cache WHERE url = ? AND authorization = ?
                """,
                [.text(url), .text(key)]
            ) { row in
                (
                    id: row.int64(at: 0), usedAt: row.double(at: 7),
                    entry: Entry(
                        status: row.int(at: 1), etag: row.optionalText(at: 2), lastModified: row.optionalText(at: 3),
                        link: row.optionalText(at: 4), body: row.blob(at: 5), storedAt: row.double(at: 6))
                )
            }
            guard let found = rows.first else { return nil }
            if found.usedAt < now - 3600 {
                try connection.execute("UPDATE response_cache SET used_at = ? WHERE id = ?", [.real(now), .integer(found.id)])
            }
            return found.entry
        }
    }

    /// Stores (or replaces) the entry for `url` under `authorization`.
    public func store(url: String, authorization: String?, _ entry: Entry) throws {
        let key = Self.authorizationKey(authorization)
        let now = clock()
        try database.withConnection(operation: "cannot store a response") { connection in
            try connection.withStatement(
                """
                INSERT INTO response_cache (url, authorization, status, etag, last_modified, link, body, stored_at, used_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                ON CONFLICT (url, authorization) DO UPDATE SET
                    status = excluded.status, etag = excluded.etag, last_modified = excluded.last_modified,
                    link = excluded.link, body = excluded.body, stored_at = excluded.stored_at, used_at = excluded.used_at
                """
            ) { statement in
                try statement.bind(url, at: 1)
                try statement.bind(key, at: 2)
                try statement.bind(entry.status, at: 3)
                try statement.bind(entry.etag, at: 4)
                try statement.bind(entry.lastModified, at: 5)
                try statement.bind(entry.link, at: 6)
                try statement.bind(blob: entry.body, at: 7)
                try statement.bind(entry.storedAt, at: 8)
                try statement.bind(now, at: 9)
                try statement.run()
            }
        }
    }

    /// What a conditional request needs of the entry for `url`, without its body: a request may
    /// wait for a connection slot, and holding every waiting request's stored body costs memory.
    public func validators(url: String, authorization: String?) throws -> (etag: String?, lastModified: String?)? {
        let key = Self.authorizationKey(authorization)
        return try database.withConnection(operation: "cannot read a cached response") { connection in
            try connection.query(
                "SELECT etag, last_modified FROM response_cache WHERE url = ? AND authorization = ? AND status = 200",
                [.text(url), .text(key)]
            ) { row in (etag: row.optionalText(at: 0), lastModified: row.optionalText(at: 1)) }.first
        }
    }

    /// The number of entries (for tests and diagnostics).
    public func count() throws -> Int {
        try database.withConnection(operation: "cannot count cached responses") { connection in
            Int(try connection.scalar("SELECT count(*) FROM response_cache") ?? 0)
        }
    }
}
