import FakeWandB
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake W&B GraphQL API answers as W&B does: Basic auth with user `api`, `project { runs }` with
/// selections honoured, MongoDB-style filters, orders and position cursors, GraphQL errors with HTTP 200
/// or 400, and the faults a collector must survive.
@Suite("fake W&B")
struct FakeWandBTests {
    static let now = WandBTime.parse("2026-12-01T12:00:00Z")!
    static let day = 86_400.0

    static let runsQuery = """
        query Runs($entity: String!, $project: String!, $filters: JSONString, $order: String, $first: Int, $cursor: String) {
          project(name: $project, entityName: $entity) {
            runs(filters: $filters, order: $order, first: $first, after: $cursor) {
              totalCount
              edges { node { FIELDS } cursor }
              pageInfo { endCursor hasNextPage }
            }
          }
        }
        """

    /// A client of the fake: POSTs `{"query", "variables"}` with Basic auth.
    struct Client {
        let fake: FakeWandB
        let http = TestHTTP()
        var key: String? = FakeWandB.defaultKey
        var user = "api"

        func post(_ query: String, _ variables: [String: Any] = [:]) async throws -> TestHTTP.Response {
            var headers = ["Content-Type": "application/json"]
            if let key { headers["Authorization"] = "Basic " + Data("\(user):\(key)".utf8).base64EncodedString() }
            return try await http.post(
                fake.baseURL + "/graphql", jsonObject: ["query": query, "variables": variables], headers: headers)
        }

        /// One page of `runs` of `entity/project`.
        func runs(
            _ project: String = "ml-team/vision", fields: String = "id", filters: String? = nil, order: String? = nil,
            first: Int? = nil, after: String? = nil
        ) async throws -> TestHTTP.Response {
            let parts = project.split(separator: "/").map(String.init)
            var variables: [String: Any] = ["entity": parts[0], "project": parts[1]]
            if let filters { variables["filters"] = filters }
            if let order { variables["order"] = order }
            if let first { variables["first"] = first }
            if let after { variables["cursor"] = after }
            return try await post(FakeWandBTests.runsQuery.replacingOccurrences(of: "FIELDS", with: fields), variables)
        }

        /// Every page: the nodes in order, the number of pages, and each page's answer.
        func allRuns(
            _ project: String = "ml-team/vision", fields: String = "id", filters: String? = nil, order: String? = nil,
            first: Int? = nil, between: (Int) -> Void = { _ in }
        ) async throws -> (nodes: [[String: Any]], pages: [[String: Any]]) {
            var nodes: [[String: Any]] = []
            var pages: [[String: Any]] = []
            var cursor: String?
            repeat {
                let answer = try await runs(project, fields: fields, filters: filters, order: order, first: first, after: cursor)
                try #require(answer.status == 200, "\(String(decoding: answer.data, as: UTF8.self))")
                let connection = try #require(FakeWandBTests.connection(answer))
                pages.append(connection)
                nodes += FakeWandBTests.nodes(connection)
                let info = connection["pageInfo"] as? [String: Any] ?? [:]
                cursor = (info["hasNextPage"] as? Bool == true) ? info["endCursor"] as? String : nil
                between(pages.count)
            } while cursor != nil && pages.count < 1_000
            return (nodes, pages)
        }
    }

    static func with(
        _ data: FakeWandBData = FakeWandBData.scenario(now: now), maxPageSize: Int = 100,
        _ body: (FakeWandB, Client) async throws -> Void
    ) async throws {
        let fake = try FakeWandB(data: data, maxPageSize: maxPageSize)
        defer { fake.stop() }
        try await body(fake, Client(fake: fake))
    }

    static func connection(_ answer: TestHTTP.Response) -> [String: Any]? {
        ((answer.object["data"] as? [String: Any])?["project"] as? [String: Any])?["runs"] as? [String: Any]
    }

    static func nodes(_ connection: [String: Any]) -> [[String: Any]] {
        (connection["edges"] as? [[String: Any]] ?? []).compactMap { $0["node"] as? [String: Any] }
    }

    static func firstError(_ answer: TestHTTP.Response) -> String? {
        ((answer.object["errors"] as? [[String: Any]])?.first?["message"] as? String)
    }

    static func ids(_ nodes: [[String: Any]]) -> [String] { nodes.compactMap { $0["id"] as? String } }

    static func vision(_ data: FakeWandBData) -> [FakeWandBRun] { data.project(entity: "ml-team", name: "vision")!.runs }

    // MARK: The data.

    @Test(
        "the scenario covers every case the metrics distinguish: states, fresh and stale heartbeats, runtime sources, GPUs, users, time styles"
    )
    func scenarioCoversCases() {
        let data = FakeWandBData.scenario(now: Self.now)
        let runs = Self.vision(data)
        let start = Self.now - 7 * Self.day
        let running = runs.filter { $0.state == "running" }
        for state in ["running", "finished", "failed", "crashed", "killed", "preempted", "pending"] {
            #expect(runs.contains { $0.state == state }, "no \(state) run")
        }
        #expect(running.contains { $0.heartbeatAt! >= Self.now - 1_800 })
        #expect(running.contains { $0.heartbeatAt! < Self.now - 1_800 })
        #expect(running.contains { $0.createdAt < start })
        let ended = runs.filter { ["finished", "failed", "crashed", "killed"].contains($0.state) }
        #expect(ended.contains { $0.heartbeatAt! >= start })
        #expect(ended.contains { $0.heartbeatAt! < start })
        #expect(ended.contains { $0.wandbRuntime != nil })
        #expect(ended.contains { $0.wandbRuntime == nil && $0.underscoreRuntime != nil })
        #expect(ended.contains { $0.wandbRuntime == nil && $0.underscoreRuntime == nil && $0.heartbeatAt! >= start })
        #expect(running.contains { ($0.gpuCount ?? 0) >= 2 && $0.gpuUtilization.count == $0.gpuCount })
        #expect(running.contains { ($0.gpuCount ?? 0) > 0 && $0.gpuUtilization.isEmpty })
        #expect(runs.contains { $0.gpuCount == nil })
        #expect(runs.contains { $0.user == nil })
        #expect(Set(runs.compactMap { $0.user?.username }).count >= 3)
        #expect(runs.contains { $0.state == "pending" && $0.heartbeatAt == nil })
        #expect(runs.contains { $0.timeStyle == .plain } && runs.contains { $0.timeStyle == .zulu })
        #expect(runs.contains { $0.timeStyle == .millis } && runs.contains { $0.timeStyle == .micros })
        let archive = data.project(entity: "ml-team", name: "archive")!.runs
        #expect(!archive.isEmpty && archive.allSatisfy { $0.heartbeatAt! < start && $0.state != "running" })
        let allIDs = data.projects.flatMap(\.runs).map(\.id)
        #expect(Set(allIDs).count == allIDs.count, "run ids are unique")
    }

    @Test("every time the fake writes parses back to the same instant, with or without zone and fraction")
    func timesRoundTrip() {
        let runs = FakeWandBData.scenario(now: Self.now).projects.flatMap(\.runs)
        for run in runs {
            #expect(WandBTime.parse(run.createdAtText) == run.createdAt, "\(run.createdAtText)")
            #expect(run.heartbeatAtText.flatMap(WandBTime.parse) == run.heartbeatAt)
        }
        #expect(WandBTime.format(Self.now) == "2026-12-01T12:00:00")
        #expect(WandBTime.format(Self.now + 0.125, style: .micros) == "2026-12-01T12:00:00.125000")
        #expect(WandBTime.parse("2026-12-01T13:30:00+01:30") == Self.now)
        #expect(WandBTime.parse("2026-12-01") == Self.now - 12 * 3_600)
        #expect(WandBTime.parse("2026-13-01T00:00:00") == nil && WandBTime.parse("yesterday") == nil)
    }

    @Test("the scenario's size is a parameter: 2,500 runs ended long before W beside 60 recent ones")
    func scenarioSize() {
        let data = FakeWandBData.scenario(now: Self.now, seed: 3, oldRuns: 2_500, recentRuns: 60)
        let runs = Self.vision(data)
        let start = Self.now - 7 * Self.day
        let old = runs.filter { ($0.heartbeatAt ?? .infinity) < start - 20 * Self.day && $0.createdAt < start - 20 * Self.day }
        #expect(old.count >= 2_500)
        #expect(runs.filter { $0.createdAt >= Self.now - 6 * Self.day }.count >= 60)
        let small = FakeWandBData.scenario(now: Self.now, seed: 3, oldRuns: 0, recentRuns: 0)
        #expect(runs.count - Self.vision(small).count == 2_560)
        #expect(
            FakeWandBData.scenario(now: Self.now, seed: 3).projects.flatMap(\.runs).map(\.id)
                == FakeWandBData.scenario(now: Self.now, seed: 3).projects.flatMap(\.runs).map(\.id))
    }

    // MARK: Queries.

    @Test("only the selected fields come back, nested ones too, under their aliases; __typename answers the type")
    func selection() async throws {
        try await Self.with { fake, client in
            let answer = try await client.runs(
                fields: "__typename id runState: state user { username } runInfo { gpuCount } summaryMetrics systemMetrics",
                first: 100)
            #expect(answer.status == 200)
            let nodes = Self.nodes(try #require(Self.connection(answer)))
            #expect(nodes.count == 100)
            for node in nodes {
                #expect(Set(node.keys) == ["__typename", "id", "runState", "user", "runInfo", "summaryMetrics", "systemMetrics"])
                #expect(node["__typename"] as? String == "Run")
                if let user = node["user"] as? [String: Any] { #expect(Set(user.keys) == ["username"]) }
                if let info = node["runInfo"] as? [String: Any] { #expect(Set(info.keys) == ["gpuCount"]) }
            }
            #expect(nodes.contains { $0["user"] is NSNull } && nodes.contains { $0["runInfo"] is NSNull })
            let byID = Dictionary(uniqueKeysWithValues: Self.vision(fake.data).map { ($0.id, $0) })
            for node in nodes {
                let run = try #require(byID[node["id"] as? String ?? ""])
                #expect(node["runState"] as? String == run.state)
                #expect((node["runInfo"] as? [String: Any])?["gpuCount"] as? Int == run.gpuCount)
            }
            #expect(
                fake.requests.last?.runFields == [
                    "__typename", "id", "state", "user.username", "runInfo.gpuCount", "summaryMetrics", "systemMetrics",
                ])
            #expect(fake.requests.last?.projects == ["ml-team/vision"])
        }
    }

    @Test("summaryMetrics and systemMetrics are JSON-encoded strings; system keys contain dots; times are W&B's ISO 8601")
    func jsonStrings() async throws {
        try await Self.with { fake, client in
            let (nodes, _) = try await client.allRuns(
                fields: "id state createdAt heartbeatAt summaryMetrics systemMetrics config")
            let byID = Dictionary(uniqueKeysWithValues: Self.vision(fake.data).map { ($0.id, $0) })
            #expect(nodes.count == byID.count)
            for node in nodes {
                let run = try #require(byID[node["id"] as? String ?? ""])
                let summaryText = try #require(node["summaryMetrics"] as? String)
                let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryText.utf8)) as? [String: Any])
                #expect(((summary["_wandb"] as? [String: Any])?["runtime"] as? Int) == run.wandbRuntime)
                #expect((summary["_runtime"] as? Double) == run.underscoreRuntime)
                let systemText = try #require(node["systemMetrics"] as? String)
                let system = try #require(try JSONSerialization.jsonObject(with: Data(systemText.utf8)) as? [String: Any])
                for (index, value) in run.gpuUtilization.enumerated() {
                    #expect((system["system.gpu.\(index).gpu"] as? Double) == value)
                }
                // Each GPU's utilization, beside the per-process one W&B also reports (system.gpu.process.N.gpu).
                let perGPU = system.keys.filter {
                    $0.hasSuffix(".gpu") && $0.hasPrefix("system.gpu.") && !$0.contains(".process.")
                }
                #expect(perGPU.count == run.gpuUtilization.count)
                #expect(system.keys.filter { $0.hasPrefix("system.gpu.process.") }.count == run.gpuUtilization.count)
                #expect(node["createdAt"] as? String == run.createdAtText)
                #expect((node["heartbeatAt"] as? String) == run.heartbeatAtText)
                #expect(run.heartbeatAt != nil || node["heartbeatAt"] is NSNull)
                #expect(node["config"] is String || node["config"] is NSNull)
            }
            let texts = nodes.compactMap { $0["createdAt"] as? String }
            #expect(texts.contains { !$0.hasSuffix("Z") && !$0.contains(".") })
            #expect(texts.contains { $0.hasSuffix("Z") } && texts.contains { $0.contains(".") })
        }
    }

    @Test("filters: $and/$or/$nor, implicit equality, $in/$nin/$ne, time comparisons with and without zone, $exists, null users")
    func filters() async throws {
        try await Self.with { fake, client in
            let runs = Self.vision(fake.data)
            let start = Self.now - 7 * Self.day
            let startText = WandBTime.format(start)
            let stale = WandBTime.format(Self.now - 1_800)
            let nowText = WandBTime.format(Self.now)
            func check(_ filter: String, _ expected: (FakeWandBRun) -> Bool, _ label: String) async throws {
                let (nodes, _) = try await client.allRuns(filters: filter)
                let want = runs.filter(expected).map(\.id)
                #expect(Set(Self.ids(nodes)) == Set(want), "\(label)")
                #expect(Self.ids(nodes).count == want.count, "\(label)")
                #expect(!want.isEmpty, "\(label) selects nothing: a weak test")
            }
            try await check(#"{"state": "running"}"#, { $0.state == "running" }, "implicit equality")
            try await check(
                #"{"$and": [{"state": "running"}, {"heartbeatAt": {"$lt": "\#(stale)"}}]}"#,
                { $0.state == "running" && $0.heartbeatAt! < Self.now - 1_800 }, "stale running")
            try await check(
                #"{"$or": [{"state": "running"}, {"created_at": {"$gte": "\#(startText)"}}]}"#,
                { $0.state == "running" || $0.createdAt >= start }, "running or created in W")
            try await check(
                #"{"$or": [{"state": "running"}, {"createdAt": {"$gte": "\#(startText)Z"}}]}"#,
                { $0.state == "running" || $0.createdAt >= start }, "the same with a zone")
            let ended = ["finished", "failed", "crashed", "killed"]
            try await check(
                #"{"state": {"$in": ["finished", "failed", "crashed", "killed"]}, "heartbeat_at": {"$gte": "\#(startText)", "$lte": "\#(nowText)"}}"#,
                { ended.contains($0.state) && $0.heartbeatAt.map { $0 >= start } ?? false }, "ended in W")
            try await check(
                #"{"state": {"$nin": ["running", "finished"]}}"#, { !["running", "finished"].contains($0.state) }, "$nin")
            try await check(#"{"state": {"$ne": "finished"}}"#, { $0.state != "finished" }, "$ne")
            try await check(
                #"{"$nor": [{"state": "finished"}, {"state": "running"}]}"#, { !["finished", "running"].contains($0.state) },
                "$nor")
            try await check(#"{"heartbeatAt": {"$exists": false}}"#, { $0.heartbeatAt == nil }, "$exists false")
            try await check(#"{"username": null}"#, { $0.user == nil }, "null user")
            try await check(#"{"username": {"$eq": "alice"}}"#, { $0.user?.username == "alice" }, "$eq user")
            let one = runs[3]
            try await check(#"{"display_name": "\#(one.displayName)"}"#, { $0.displayName == one.displayName }, "display name")
            try await check(#"{"name": "\#(one.name)"}"#, { $0.id == one.id }, "name")
            let fractional = WandBTime.format(runs[1].createdAt, style: .millis)
            try await check(
                #"{"createdAt": {"$gt": "\#(fractional)"}}"#, { $0.createdAt > runs[1].createdAt }, "fractional seconds")
        }
    }

    @Test("an unknown filter operator, field or invalid JSON is a GraphQL error (HTTP 200, data null) naming it")
    func filterErrors() async throws {
        try await Self.with { _, client in
            let regex = try await client.runs(filters: #"{"displayName": {"$regex": "swift"}}"#)
            #expect(regex.status == 200)
            #expect(regex.object["data"] is NSNull)
            #expect(Self.firstError(regex)?.contains("$regex") == true)
            let field = try await client.runs(filters: #"{"config.lr": 3}"#)
            #expect(field.status == 200 && Self.firstError(field)?.contains("config.lr") == true)
            let junk = try await client.runs(filters: "{state: running")
            #expect(junk.status == 200 && Self.firstError(junk) != nil && junk.object["data"] is NSNull)
            let time = try await client.runs(filters: #"{"createdAt": {"$gt": "last week"}}"#)
            #expect(Self.firstError(time)?.contains("last week") == true)
        }
    }

    @Test("order: ±created_at and ±heartbeat_at (camelCase too), default +created_at, ties broken by id; others refused")
    func order() async throws {
        try await Self.with { fake, client in
            let runs = Self.vision(fake.data)
            func positions(_ order: String?) async throws -> [String] {
                Self.ids(try await client.allRuns(order: order, first: 100).nodes)
            }
            let byCreated = runs.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.id)
            #expect(try await positions(nil) == byCreated)
            #expect(try await positions("+created_at") == byCreated)
            #expect(try await positions("-created_at") == Array(byCreated.reversed()))
            #expect(try await positions("-createdAt") == Array(byCreated.reversed()))
            let byHeartbeat = runs.sorted {
                ($0.heartbeatAt ?? -.infinity, $0.id) < ($1.heartbeatAt ?? -.infinity, $1.id)
            }.map(\.id)
            #expect(try await positions("+heartbeat_at") == byHeartbeat)
            #expect(try await positions("-heartbeatAt") == Array(byHeartbeat.reversed()))
            let refused = try await client.runs(order: "-summary_metrics.loss")
            #expect(refused.status == 200 && Self.firstError(refused)?.contains("summary_metrics.loss") == true)
        }
    }

    @Test("cursor paging: every run exactly once across pages, endCursor the last edge's cursor, hasNextPage exact")
    func paging() async throws {
        try await Self.with(FakeWandBData.scenario(now: Self.now, oldRuns: 300)) { fake, client in
            let filter = #"{"state": {"$ne": "running"}}"#
            let expected = Self.vision(fake.data).filter { $0.state != "running" }.count
            let (nodes, pages) = try await client.allRuns(filters: filter, order: "-heartbeat_at", first: 7)
            let ids = Self.ids(nodes)
            #expect(ids.count == expected)
            #expect(Set(ids).count == ids.count, "no run twice")
            #expect(pages.count == (expected + 6) / 7)
            for (index, page) in pages.enumerated() {
                let edges = page["edges"] as? [[String: Any]] ?? []
                let info = page["pageInfo"] as? [String: Any] ?? [:]
                #expect(info["endCursor"] as? String == edges.last?["cursor"] as? String)
                #expect(info["hasNextPage"] as? Bool == (index < pages.count - 1))
                #expect(page["totalCount"] as? Int == expected)
                #expect(edges.count == (index < pages.count - 1 ? 7 : expected - 7 * (pages.count - 1)))
            }
            let whole = try await client.allRuns(filters: filter, order: "-heartbeat_at", first: 1_000)
            #expect(Self.ids(whole.nodes) == ids, "pages join to the same order as one big listing")
            // Cursors are opaque, not offsets.
            let cursor = (pages[0]["pageInfo"] as? [String: Any])?["endCursor"] as? String
            #expect(cursor != nil && Int(cursor!) == nil && cursor != "7")
        }
    }

    @Test("first defaults to 50 and is clamped to maxPageSize; an empty page has a null endCursor")
    func pageSizes() async throws {
        try await Self.with(maxPageSize: 30) { _, client in
            let defaulted = try await client.runs()
            #expect(Self.nodes(try #require(Self.connection(defaulted))).count == 30)
            let clamped = try await client.runs(first: 500)
            #expect(Self.nodes(try #require(Self.connection(clamped))).count == 30)
            let small = try await client.runs(first: 3)
            #expect(Self.nodes(try #require(Self.connection(small))).count == 3)
            let none = try await client.runs(filters: #"{"state": "no-such-state"}"#)
            let page = try #require(Self.connection(none))
            #expect((page["edges"] as? [Any])?.isEmpty == true)
            #expect((page["pageInfo"] as? [String: Any])?["endCursor"] is NSNull)
            #expect((page["pageInfo"] as? [String: Any])?["hasNextPage"] as? Bool == false)
        }
        try await Self.with { _, client in
            let defaulted = try await client.runs()
            #expect(Self.nodes(try #require(Self.connection(defaulted))).count == 50)
        }
    }

    @Test("a cursor marks a position: runs added before it while a client pages are not repeated; a bad cursor is an error")
    func cursorIsAPosition() async throws {
        try await Self.with { fake, client in
            let before = Self.vision(fake.data).count
            let (nodes, _) = try await client.allRuns(first: 10) { page in
                guard page == 2 else { return }
                // A run created long ago appears (sorts first in +created_at): an offset cursor would repeat one.
                fake.updateData { data in
                    var run = data.projects[0].runs[0]
                    run.id = "late-arrival"
                    run.createdAt = Self.now - 900 * Self.day
                    data.projects[0].runs.append(run)
                }
            }
            let ids = Self.ids(nodes)
            #expect(Set(ids).count == ids.count, "no run twice")
            #expect(ids.count == before)
            #expect(!ids.contains("late-arrival"))
            let garbage = try await client.runs(after: "bm90LWEtY3Vyc29y")
            #expect(garbage.status == 200 && garbage.object["data"] is NSNull)
            #expect(Self.firstError(garbage)?.contains("cursor") == true)
            let page = try #require(Self.connection(try await client.runs(order: "+created_at", first: 2)))
            let cursor = try #require((page["pageInfo"] as? [String: Any])?["endCursor"] as? String)
            let otherOrder = try await client.runs(order: "-heartbeat_at", after: cursor)
            #expect(Self.firstError(otherOrder)?.contains("cursor") == true)
        }
    }

    @Test("an unknown project answers data.project null with HTTP 200; viewer answers the key's user")
    func unknownProject() async throws {
        try await Self.with { _, client in
            let answer = try await client.runs("ml-team/no-such-project")
            #expect(answer.status == 200)
            #expect((answer.object["data"] as? [String: Any])?["project"] is NSNull)
            #expect(answer.object["errors"] == nil)
            let viewer = try await client.post("{ viewer { username } }")
            #expect(((viewer.object["data"] as? [String: Any])?["viewer"] as? [String: Any])?["username"] as? String == "ci-bot")
            let two = try await client.post(
                #"{ a: project(name: "vision", entityName: "ml-team") { name } b: project(name: "nlp", entityName: "ml-team") { id name } }"#
            )
            let data = two.object["data"] as? [String: Any]
            #expect((data?["a"] as? [String: Any])?["name"] as? String == "vision")
            #expect((data?["b"] as? [String: Any])?.keys.sorted() == ["id", "name"])
        }
    }

    @Test("an unknown field, an unknown argument, a parse error, a fragment or an undefined variable is HTTP 400 with errors")
    func graphQLErrors() async throws {
        try await Self.with { _, client in
            let unknown = try await client.runs(fields: "id\n          bogus")
            #expect(unknown.status == 400)
            let error = (unknown.object["errors"] as? [[String: Any]])?.first
            #expect(error?["message"] as? String == #"Cannot query field "bogus" on type "Run"."#)
            let location = (error?["locations"] as? [[String: Any]])?.first
            #expect(location?["line"] as? Int == 6 && location?["column"] as? Int == 11)
            let argument = try await client.post(#"{ project(name: "vision", entityName: "ml-team", color: "red") { id } }"#)
            #expect(argument.status == 400 && Self.firstError(argument)?.contains(#"Unknown argument "color""#) == true)
            let broken = try await client.post("query { project(name: \"vision\" { id } }")
            #expect(broken.status == 400 && Self.firstError(broken)?.hasPrefix("Syntax Error") == true)
            let fragment = try await client.post(
                #"{ project(name: "vision", entityName: "ml-team") { ...P } } fragment P on Project { id }"#)
            #expect(fragment.status == 400 && Self.firstError(fragment)?.contains("Fragments") == true)
            let undefined = try await client.post(#"{ project(name: $name, entityName: "ml-team") { id } }"#)
            #expect(undefined.status == 400 && Self.firstError(undefined) == #"Variable "$name" is not defined."#)
            let leaf = try await client.post(#"{ project(name: "vision", entityName: "ml-team") { runs } }"#)
            #expect(leaf.status == 400 && Self.firstError(leaf)?.contains("must have a selection of subfields") == true)
            let missing = try await client.post(
                FakeWandBTests.runsQuery.replacingOccurrences(of: "FIELDS", with: "id"), ["entity": "ml-team"])
            #expect(missing.status == 400 && Self.firstError(missing)?.contains("$project") == true)
        }
    }

    @Test("GraphQL parser: variables with defaults, literals of every kind, aliases, comments; fragments and mutations refused")
    func parser() throws {
        let query = try GraphQLQuery(
            parsing: """
                # a comment
                query Q($a: String! = "x", $b: [Int], $c: Float) {
                  top: project(name: "na\\"me\\u0041", entityName: $a) {
                    runs(first: 10, after: null, order: -1.5e2, filters: true) { edges { node { id } } }
                  }
                }
                """)
        #expect(query.operationName == "Q")
        #expect(query.variableDefinitions.map(\.type) == ["String!", "[Int]", "Float"])
        #expect(query.variableDefinitions[0].defaultValue == .string("x"))
        #expect(query.variableDefinitions[0].isRequired == false)
        let project = query.selections[0]
        #expect(project.alias == "top" && project.name == "project" && project.responseKey == "top")
        #expect(project.arguments["name"] == .string("na\"meA"))
        #expect(project.arguments["entityName"] == .variable("a"))
        let runs = project.selections[0]
        #expect(runs.arguments == ["first": .int(10), "after": .null, "order": .float(-150), "filters": .bool(true)])
        #expect(throws: GraphQLSyntaxError.self) { try GraphQLQuery(parsing: "mutation { x }") }
        #expect(throws: GraphQLSyntaxError.self) { try GraphQLQuery(parsing: "{ a { ... on B { c } } }") }
        #expect(throws: GraphQLSyntaxError.self) { try GraphQLQuery(parsing: "{ a(x: \"unterminated) }") }
        #expect(throws: GraphQLSyntaxError.self) { try GraphQLQuery(parsing: "{ }") }
    }

    @Test("no, wrong, revoked or non-api-user credentials are 401 user is not logged in")
    func authentication() async throws {
        try await Self.with { fake, client in
            var anonymous = client
            anonymous.key = nil
            var wrong = client
            wrong.key = "not-the-key"
            var otherUser = client
            otherUser.user = "someone"
            for candidate in [anonymous, wrong, otherUser] {
                let answer = try await candidate.runs()
                #expect(answer.status == 401)
                #expect(Self.firstError(answer) == "user is not logged in")
                #expect(answer.object["data"] == nil)
            }
            #expect(try await client.runs().status == 200)
            fake.addKey("second-key")
            var second = client
            second.key = "second-key"
            #expect(try await second.runs().status == 200)
            fake.revokeKey("second-key")
            let revoked = try await second.runs()
            #expect(revoked.status == 401 && Self.firstError(revoked) == "user is not logged in")
            #expect(fake.requests.map(\.status) == [401, 401, 401, 200, 200, 401])
        }
    }

    @Test("injected faults: every k-th request 429 with RateLimit headers, or 5xx; a failing project is a GraphQL error")
    func faults() async throws {
        try await Self.with { fake, client in
            fake.injectFaults(every: 2, status: 429, resetSeconds: 1)
            let statuses = try await [client.runs(), client.runs(), client.runs(), client.runs()]
            #expect(statuses.map(\.status) == [200, 429, 200, 429])
            let limited = statuses[1]
            #expect(limited.header("RateLimit-Reset") == "1")
            #expect(limited.header("RateLimit-Remaining") == "0")
            #expect(limited.header("RateLimit-Limit") != nil)
            #expect(Self.firstError(limited) == "rate limit exceeded")
            #expect(fake.requests.map(\.injectedFault) == [false, true, false, true])
            for status in [500, 502, 503] {
                fake.clearRequests()
                fake.injectFaults(every: 1, status: status)
                #expect(try await client.runs().status == status)
            }
            fake.injectFaults(every: 0)
            fake.failProject("ml-team/nlp", message: "internal error in project")
            let failed = try await client.runs("ml-team/nlp")
            #expect(failed.status == 200)
            #expect(Self.firstError(failed) == "internal error in project")
            #expect((failed.object["data"] as? [String: Any])?["project"] is NSNull)
            #expect(try await client.runs("ml-team/vision").object["errors"] == nil)
            fake.failProject("ml-team/nlp", message: nil)
            #expect(Self.connection(try await client.runs("ml-team/nlp")) != nil)
        }
    }

    @Test("latency delays every answer; the log counts requests per project with their statuses")
    func latencyAndLog() async throws {
        try await Self.with { fake, client in
            fake.setLatency(milliseconds: 150)
            let clock = ContinuousClock()
            let started = clock.now
            _ = try await client.runs("ml-team/nlp")
            #expect(clock.now - started >= .milliseconds(150))
            fake.setLatency(milliseconds: 0)
            _ = try await client.allRuns("ml-team/vision", first: 40)
            _ = try await client.runs("ml-team/archive")
            #expect(fake.requests(forProject: "ml-team/nlp").count == 1)
            #expect(fake.requests(forProject: "ml-team/vision").count == (Self.vision(fake.data).count + 39) / 40)
            #expect(fake.requests(forProject: "ml-team/archive").count == 1)
            let paged = fake.requests(forProject: "ml-team/vision")
            #expect(paged.first?.after == nil && paged.dropFirst().allSatisfy { $0.after != nil })
            #expect(paged.allSatisfy { $0.status == 200 && $0.variables["first"] == .int(40) })
        }
    }

    // MARK: The oracle.

    @Test("expected metrics of a hand-computed project: counts, W's inclusive ends, runtime sources, GPU hours clipped to W")
    func expectedByHand() {
        let now = Self.now
        let (h, d) = (3_600.0, Self.day)
        let alice = FakeWandBUser(username: "alice", name: "A")
        func run(
            _ id: String, _ state: String, _ created: Double, _ heartbeat: Double?, user: FakeWandBUser? = alice,
            gpus: Int? = nil,
            util: [Double] = [], wandb: Int? = nil, underscore: Double? = nil
        ) -> FakeWandBRun {
            FakeWandBRun(
                id: id, name: id, displayName: id, state: state, createdAt: created, heartbeatAt: heartbeat, user: user,
                gpuCount: gpus, wandbRuntime: wandb, underscoreRuntime: underscore, gpuUtilization: util)
        }
        let runs = [
            run("r1", "running", now - 2 * h, now - 60, gpus: 2, util: [80, 60]),
            run("r2", "running", now - 10 * d, now - 31 * 60, user: nil, gpus: 4, util: [10]),
            run("r3", "running", now - 1 * h, now - 30 * 60, gpus: 1),
            run("f1", "finished", now - 3 * d, now - 3 * d + 2 * h, gpus: 1, wandb: 7_200),
            run("f2", "failed", now - 8 * d, now - 7 * d, user: FakeWandBUser(username: "bob", name: "B"), underscore: 3_600),
            run("f3", "crashed", now - 2 * d, now - 2 * d + 4 * h, gpus: 2),
            run("f4", "finished", now - 9 * d, now - 7 * d - 1, gpus: 8, wandb: 100),
            run("p1", "pending", now - 60, nil, user: FakeWandBUser(username: "carol", name: "C"), gpus: 1),
            run("k1", "preempted", now - 8 * d, now - 6 * d, gpus: 1),
        ]
        let project = FakeWandBProject(entity: "team", name: "p", runs: runs)
        let points = FakeWandBData.expectedMetrics(projects: [project], now: now)
        var values: [String: Double] = [:]
        for point in points {
            #expect(point.tags == ["project:team/p"])
            values[point.metric] = point.value
        }
        #expect(values["wandb.runs.running"] == 3)
        #expect(values["wandb.runs.started_7d"] == 5)  // r1, r3, f1, f3, p1
        #expect(values["wandb.runs.finished_7d"] == 1)  // f1 (f4 ended a second before W)
        #expect(values["wandb.runs.failed_7d"] == 2)  // f2 at W's start, f3
        #expect(values["wandb.runs.stale"] == 1)  // r2; r3 is exactly 30 minutes old
        // Runtimes of f1 (2 h, _wandb), f2 (1 h, _runtime), f3 (4 h, heartbeat - created): p50 2, p95 3.8.
        #expect(values["wandb.runs.duration_hours.p50"] == 2)
        #expect(abs(values["wandb.runs.duration_hours.p95"]! - 3.8) < 1e-12)
        #expect(values["wandb.gpus.active"] == 7)
        #expect(values["wandb.gpu.utilization_percent.mean"] == 40)  // (70 + 10) / 2; r3 has none
        // r1 2×2 h, r2 4×168 h, r3 1×1 h, f1 1×2 h, f3 2×4 h, k1 1×24 h; f4 and p1 nothing.
        #expect(abs(values["wandb.gpu.hours_7d"]! - (4 + 672 + 1 + 2 + 8 + 24)) < 1e-9)
        #expect(values["wandb.users.active_7d"] == 2)  // alice, carol; bob's run was created before W
        #expect(points.count == 11)
        let empty = FakeWandBData.expectedMetrics(projects: [FakeWandBProject(entity: "team", name: "old", runs: [])], now: now)
        #expect(
            empty.map(\.metric)
                == FakeWandBData.metricKeys.filter { !$0.contains(".p5") && !$0.contains(".p9") && !$0.hasSuffix(".mean") })
        #expect(empty.allSatisfy { $0.value == 0 })
    }

    @Test("percentiles interpolate as numpy's linear method")
    func percentiles() {
        #expect(FakeWandBData.percentile([], 50) == nil)
        #expect(FakeWandBData.percentile([5], 95) == 5)
        #expect(FakeWandBData.percentile([4, 1, 3, 2], 50) == 2.5)
        #expect(abs(FakeWandBData.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)! - 9.55) < 1e-12)
        #expect(FakeWandBData.percentile([1, 2], 100) == 2)
    }
}

extension TestHTTP {
    /// POSTs `json` (a JSONSerialization object) with `headers`. (Not `json: Any`: that would also
    /// take the String bodies of `post(_:json:headers:)` and crash serializing them.)
    func post(_ url: String, jsonObject json: [String: Any], headers extra: [String: String] = [:]) async throws -> Response {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        for (name, value) in headers.merging(extra, uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Response(status: http.statusCode, http: http, data: data)
    }
}
