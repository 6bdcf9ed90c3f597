import Foundation
import TestKit
import Testing

@testable import Pipeline
@testable import Storage

@Suite("ResponseCache")
struct ResponseCacheTests {
    static func entry(_ body: [UInt8], etag: String? = "W/\"1\"", link: String? = nil, storedAt: Double = 1_000)
        -> ResponseCache.Entry
    {
        ResponseCache.Entry(
            status: 200, etag: etag, lastModified: "Mon, 23 Nov 2026 05:00:00 GMT", link: link, body: body, storedAt: storedAt)
    }

    @Test("an entry comes back as stored: status, validators, Link and the body's exact bytes")
    func roundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let cache = try ResponseCache(path: dir + "/state.sqlite")
            let bytes: [UInt8] = [0, 255, 34, 10, 0x80, 0x7B]
            let url = "https://api.github.com/repos/o/r/pulls?state=open&per_page=100"
            #expect(try cache.lookup(url: url, authorization: nil) == nil)
            try cache.store(url: url, authorization: nil, Self.entry(bytes, link: "<https://x/?page=2>; rel=\"next\""))
            #expect(
                try cache.lookup(url: url, authorization: nil) == Self.entry(bytes, link: "<https://x/?page=2>; rel=\"next\""))
            // An empty body is an empty BLOB, not NULL; storing again replaces.
            try cache.store(url: url, authorization: nil, Self.entry([], etag: nil))
            #expect(try cache.lookup(url: url, authorization: nil) == Self.entry([], etag: nil))
            #expect(try cache.count() == 1)
        }
    }

    @Test("validators come without the body, under the same key as the entry")
    func validatorsOnly() async throws {
        try await withTemporaryDirectory { dir in
            let cache = try ResponseCache(path: dir + "/state.sqlite")
            let url = "https://api.github.com/repos/o/r/branches?per_page=100"
            #expect(try cache.validators(url: url, authorization: nil) == nil)
            try cache.store(url: url, authorization: "Bearer ghp_a", Self.entry(Array(repeating: 7, count: 100_000)))
            let found = try #require(try cache.validators(url: url, authorization: "Bearer ghp_a"))
            #expect(found.etag == "W/\"1\"")
            #expect(found.lastModified == "Mon, 23 Nov 2026 05:00:00 GMT")
            #expect(try cache.validators(url: url, authorization: "Bearer ghp_b") == nil)
        }
    }

    @Test("two tokens never share an entry, and no token is stored in the file")
    func keyedByAuthorization() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            let cache = try ResponseCache(path: path)
            let url = "https://api.github.com/repos/o/r"
            try cache.store(url: url, authorization: "Bearer ghp_tokenAAAA", Self.entry(Array("a".utf8)))
            try cache.store(url: url, authorization: "Bearer ghp_tokenBBBB", Self.entry(Array("b".utf8)))
            #expect(try cache.lookup(url: url, authorization: "Bearer ghp_tokenAAAA")?.body == Array("a".utf8))
            #expect(try cache.lookup(url: url, authorization: "Bearer ghp_tokenBBBB")?.body == Array("b".utf8))
            #expect(try cache.lookup(url: url, authorization: nil) == nil)
            #expect(try cache.lookup(url: url, authorization: "Bearer ghp_tokenCCCC") == nil)
            try cache.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for file in [path, path + "-wal"] {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                #expect(!String(decoding: data, as: UTF8.self).contains("ghp_token"))
            }
            #expect(ResponseCache.authorizationKey(nil) == "")
            #expect(ResponseCache.authorizationKey("Bearer x").count == 64)
        }
    }

    @Test("opening drops entries unused for more than 7 days; a lookup counts as use")
    func evictsIdleEntries() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            let clock = Shared(1_000_000.0)
            let cache = try ResponseCache(path: path, clock: { clock.value })
            try cache.store(url: "https://h/old", authorization: nil, Self.entry([1]))
            try cache.store(url: "https://h/used", authorization: nil, Self.entry([2]))
            clock.update { $0 += 6 * 86_400 }
            _ = try cache.lookup(url: "https://h/used", authorization: nil)
            clock.update { $0 += 2 * 86_400 }
            let reopened = try ResponseCache(path: path, clock: { clock.value })
            #expect(try reopened.lookup(url: "https://h/old", authorization: nil) == nil)
            #expect(try reopened.lookup(url: "https://h/used", authorization: nil)?.body == [2])
            #expect(try reopened.count() == 1)
        }
    }

    @Test("the cache shares the state file with the outbox: a version-1 file gains the table, its points kept")
    func migratesStateFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            do {
                let old = StateDatabase.schema
                let v1 = SQLiteSchema(name: old.name, migrations: [old.migrations[0]], applicationID: old.applicationID)
                let database = try SQLiteDatabase(path: path)
                try database.migrate(v1)
            }
            let outbox = try Outbox(path: path)
            try outbox.enqueue([MetricPoint(metric: "m", value: 1, timestamp: 60, tags: [])], pipeline: "p", destination: "d")
            let cache = try ResponseCache(path: path)
            try cache.store(url: "https://h/x", authorization: nil, Self.entry([7]))
            #expect(try cache.database.userVersion() == StateDatabase.schema.version)
            #expect(try outbox.count(pipeline: "p", destination: "d") == 1)
        }
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
