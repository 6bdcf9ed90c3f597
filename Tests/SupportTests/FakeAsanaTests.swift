import FakeAsana
import Foundation
import Testing

/// The fake Asana API answers as Asana documents it: `{"data": …}`, `next_page` only with
/// `limit`, `opt_fields` and `completed_since` honoured, the token checked, Asana's errors.
@Suite("fake Asana")
struct FakeAsanaTests {
    static let now = 1_795_435_200.0  // 2026-11-23T12:00:00Z
    static let start = "2026-11-16T12:00:00Z"

    static func with(_ body: (FakeAsana, TestHTTP) async throws -> Void) async throws {
        let fake = try FakeAsana(data: FakeAsanaData.generated(seed: 13, now: now))
        defer { fake.stop() }
        try await body(fake, TestHTTP(headers: ["Authorization": "Bearer \(fake.token)"]))
    }

    @Test(
        "the data covers every case: multi-homed, due_on only, due_at only, neither, unassigned, stale, completed in and before W, an empty project"
    )
    func dataCoversCases() {
        let data = FakeAsanaData.generated(seed: 13, now: Self.now)
        let start = Self.now - 7 * 86_400
        #expect(data.tasks.contains { $0.projects.count > 1 })
        #expect(data.tasks.contains { $0.dueOn != nil && $0.dueAt == nil })
        #expect(data.tasks.contains { $0.dueOn == nil && $0.dueAt != nil })
        #expect(data.tasks.contains { $0.dueOn == nil && $0.dueAt == nil })
        #expect(data.tasks.contains { $0.assignee == nil && !$0.completed })
        #expect(data.tasks.contains { !$0.completed && $0.modifiedAt < Self.now - 14 * 86_400 })
        #expect(data.tasks.contains { ($0.completedAt ?? 0) >= start })
        #expect(data.tasks.contains { ($0.completedAt ?? .infinity) < start })
        #expect(data.projects.contains { project in !data.tasks.contains { $0.projects.contains(project.gid) } })
    }

    @Test("pages of limit tasks with next_page {offset, path, uri}; all of them, without next_page, when limit is not sent")
    func pagination() async throws {
        try await Self.with { fake, http in
            var url: String? = fake.baseURL + "/tasks?project=1001&completed_since=\(Self.start)&limit=50"
            var gids: [String] = []
            while let next = url {
                let page = try await http.get(next)
                #expect(page.status == 200)
                gids += (page.object["data"] as? [[String: Any]] ?? []).compactMap { $0["gid"] as? String }
                let nextPage = page.object["next_page"] as? [String: Any]
                if let nextPage {
                    #expect(nextPage["offset"] is String && nextPage["path"] is String)
                }
                url = nextPage?["uri"] as? String
            }
            let all = try await http.get(fake.baseURL + "/tasks?project=1001&completed_since=\(Self.start)")
            #expect(all.object["next_page"] == nil || all.object["next_page"] is NSNull)
            let everything = (all.object["data"] as? [[String: Any]] ?? []).compactMap { $0["gid"] as? String }
            #expect(gids == everything)
            #expect(gids == fake.data.listed(project: "1001", completedSince: Self.now - 7 * 86_400).map(\.gid))
            #expect(gids.count > 100)
        }
    }

    @Test("opt_fields: only those fields and gid; without it the compact form")
    func optFields() async throws {
        try await Self.with { fake, http in
            let page = try await http.get(fake.baseURL + "/tasks?project=1002&limit=5&opt_fields=completed,assignee")
            let tasks = page.object["data"] as? [[String: Any]] ?? []
            #expect(tasks.count == 5)
            #expect(tasks.allSatisfy { Set($0.keys) == ["gid", "completed", "assignee"] })
            let compact = try await http.get(fake.baseURL + "/tasks?project=1002&limit=5")
            #expect(
                (compact.object["data"] as? [[String: Any]] ?? []).allSatisfy {
                    Set($0.keys) == ["gid", "name", "resource_type"]
                })
            let project = try await http.get(fake.baseURL + "/projects/1002?opt_fields=name")
            #expect(project.object["data"] as? [String: String] == ["gid": "1002", "name": "Mobile App (iOS)"])
        }
    }

    @Test("a wrong token is 401 Not Authorized; an unknown project 404 with Asana's errors; injected 429 carries Retry-After")
    func errors() async throws {
        try await Self.with { fake, http in
            let denied = try await TestHTTP().get(fake.baseURL + "/projects/1001")
            #expect(denied.status == 401)
            #expect(((denied.object["errors"] as? [[String: Any]])?.first?["message"] as? String) == "Not Authorized")
            let unknown = try await http.get(fake.baseURL + "/tasks?project=999")
            #expect(unknown.status == 404)
            #expect(
                ((unknown.object["errors"] as? [[String: Any]])?.first?["message"] as? String) == "project: Unknown object: 999")
            fake.injectFaults(every: 1, status: 429)
            let limited = try await http.get(fake.baseURL + "/projects/1001")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "0")
        }
    }
}
