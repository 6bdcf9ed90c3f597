import Catalog
import FakeDatadog
import FakeGitHub
import Foundation
import HTTP
import LoopbackHTTP
import Moto
import Pipeline
import Storage
import TestKit
import Testing

/// The compliance test of every registered stage type, in the manner of Vector's component
/// compliance tests: each type's example builds into the runtime its role promises, its summary
/// and item kinds are coherent, and it runs, against a loopback peer where it talks to one.
///
/// Everything is driven by `type` strings and `StageCatalog.registry`, never by the Swift types
/// of the stages. A new stage type fails `everyTypeHasARun` until it gets an entry in
/// `StageComplianceTests.runs`.
@Suite("stage compliance")
struct StageComplianceTests {
    static let registry = StageCatalog.registry
    static let types = registry.sorted.map(\.type)

    static func kind(_ type: String) throws -> StageKind {
        try #require(registry[type], "no registered stage type \(type)")
    }

    // MARK: Per kind

    @Test("the example decodes and builds the runtime of the kind's role", arguments: types)
    func exampleBuilds(type: String) throws {
        let kind = try Self.kind(type)
        let runtime = try kind.makeRuntime(options: kind.example, path: ["stages", type])
        switch (kind.role, runtime) {
        case (.source, .source), (.transform, .batch), (.transform, .aggregation), (.sink, .sink): break
        default: Issue.record("\(type): role \(kind.role) but its example builds \(runtime)")
        }
    }

    @Test("a non-empty one-line summary", arguments: types)
    func summary(type: String) throws {
        let summary = try Self.kind(type).summary
        #expect(!summary.trimmingCharacters(in: .whitespaces).isEmpty, "\(type) has no summary")
        #expect(!summary.contains("\n"), "\(type)'s summary is not one line")
    }

    @Test("the option names come from the example and are documented", arguments: types)
    func options(type: String) throws {
        let kind = try Self.kind(type)
        #expect(Set(kind.optionNames).count == kind.optionNames.count, "\(type) lists an option twice")
        if let example = kind.example.object {
            let unknown = Set(example.map(\.key)).subtracting(kind.optionNames)
            #expect(unknown.isEmpty, "\(type)'s example uses options it does not list: \(unknown.sorted())")
        }
        // Every option documented, nothing else; and each doc is one line.
        #expect(Set(kind.optionDocs.keys) == Set(kind.optionNames), "\(type): document every option, and only those")
        for (option, doc) in kind.optionDocs {
            #expect(!doc.isEmpty && !doc.contains("\n"), "\(type).\(option): a one-line doc")
        }
    }

    @Test("what it reads and writes matches its role", arguments: types)
    func itemKinds(type: String) throws {
        let kind = try Self.kind(type)
        switch kind.role {
        case .source:
            #expect(kind.writes != nil, "a source writes items")
            if kind.requiresInputs {
                #expect(kind.reads == .records, "a source that takes inputs reads records")
            } else {
                #expect(kind.reads == nil || kind.reads == .records, "a source reads nothing, or optional records")
            }
        case .transform:
            #expect(kind.requiresInputs, "a transform needs inputs")
            #expect(kind.reads != nil && kind.writes != nil, "a transform reads and writes")
        case .sink:
            #expect(kind.requiresInputs, "a sink needs inputs")
            #expect(kind.reads == .points, "a sink reads points")
            #expect(kind.writes == nil, "a sink writes nothing")
        }
    }

    @Test("it runs and produces a real result", arguments: types)
    func runs(type: String) async throws {
        let kind = try Self.kind(type)
        guard let run = Self.runs[type] else {
            Issue.record("no compliance run for \(type): add one to StageComplianceTests.runs")
            return
        }
        try await run(kind)
    }

    // MARK: Guard

    @Test("every registered type has a compliance run, and every run a registered type")
    func everyTypeHasARun() {
        let missing = Set(Self.types).subtracting(Self.runs.keys)
        #expect(
            missing.isEmpty,
            "stage types without a compliance run: \(missing.sorted()); add one to StageComplianceTests.runs")
        let stale = Set(Self.runs.keys).subtracting(Self.types)
        #expect(stale.isEmpty, "compliance runs for types no longer registered: \(stale.sorted()); remove them")
        #expect(Set(Self.types).count == Self.types.count)
    }

    // MARK: The run table

    typealias Run = @Sendable (StageKind) async throws -> Void

    /// One run per registered type, keyed by its `type` string.
    static let runs: [String: Run] = [
        // Transforms, over records (or points) made for their example options.
        "filter": { kind in
            let out = try TransformRun.records(
                kind,
                [
                    ["commit": ["message": "hotfix: the build", "author": ["email": "a@example.com"]]],
                    ["commit": ["message": "feature"], "author": ["login": "b"]],
                    ["commit": ["message": "hotfix without author"]],
                ])
            #expect(out.count == 1)
            #expect(out.first?["commit"]?["message"]?.string == "hotfix: the build")
        },
        "map": { kind in
            let out = try TransformRun.records(
                kind,
                [
                    ["created_at": TransformRun.ago(days: 40), "state": "open"],
                    ["created_at": TransformRun.ago(days: 2), "state": "open"],
                ])
            #expect(out.map { $0["age_days"]?.number } == [40, 2])
            #expect(out.map { $0["stale"]?.bool } == [true, false])
        },
        "window": { kind in
            let out = try TransformRun.records(
                kind, [["id": 1, "merged_at": TransformRun.ago(days: 1)], ["id": 2, "merged_at": TransformRun.ago(days: 10)]])
            #expect(out.map { $0["id"]?.number } == [1])
        },
        "duration": { kind in
            let out = try TransformRun.records(
                kind,
                [
                    ["run_started_at": TransformRun.ago(seconds: 3_600), "updated_at": TransformRun.ago(seconds: 1_800)],
                    ["run_started_at": TransformRun.ago(seconds: 3_600)],
                ])
            #expect(out.count == 1, "the incomplete record is dropped")
            #expect(out.first?["minutes"]?.number == 30)
        },
        "count": { kind in
            let point = try TransformRun.onePoint(kind, [["id": 1], ["id": 2], ["id": 3]])
            #expect(point?.value == 3)
            #expect(point?.tags.contains("team:platform") == true)
        },
        "distinct_count": { kind in
            let point = try TransformRun.onePoint(
                kind,
                [
                    ["author": ["login": "Ann"]], ["author": ["login": "ann"]],
                    ["commit": ["author": ["email": "bob@example.com"]]],
                ])
            #expect(point?.value == 2)
        },
        "sum": { kind in
            let point = try TransformRun.onePoint(kind, [["stats": ["additions": 10]], ["stats": ["additions": 5]]])
            #expect(point?.value == 15)
        },
        "mean": { kind in
            let point = try TransformRun.onePoint(kind, [["hours_to_merge": 2], ["hours_to_merge": 4]])
            #expect(point?.value == 3)
        },
        "min": { kind in
            let point = try TransformRun.onePoint(kind, [["minutes": 7], ["minutes": 3], ["minutes": 5]])
            #expect(point?.value == 3)
        },
        "max": { kind in
            let point = try TransformRun.onePoint(kind, [["minutes": 7], ["minutes": 3], ["minutes": 5]])
            #expect(point?.value == 7)
        },
        "percentiles": { kind in
            let points = try TransformRun.points(kind, (0...100).map { ["minutes": .number(Double($0))] })
            let percentiles = kind.example["percentiles"]?.array ?? []
            #expect(points.count == percentiles.count, "one point per percentile")
            #expect(points.map(\.value) == percentiles.compactMap(\.number), "0…100: each percentile is its own value")
        },
        "ratio": { kind in
            let numerator = try #require(kind.example["numerator"]?.string)
            let denominator = try #require(kind.example["denominator"]?.string)
            let now = Int(TransformRun.now)
            let out = try TransformRun.run(
                kind,
                [
                    .point(MetricPoint(metric: numerator, value: 10, timestamp: now)),
                    .point(MetricPoint(metric: denominator, value: 4, timestamp: now)),
                ])
            let points = out.compactMap(\.point)
            try TransformRun.expectMetricName(kind, points)
            #expect(points.count == 1)
            #expect(points.first?.value == 2.5)
        },
        "latest": { kind in
            let out = try TransformRun.records(
                kind,
                [
                    ["id": 1, "created_at": TransformRun.ago(days: 3)], ["id": 2, "created_at": TransformRun.ago(days: 1)],
                    ["id": 3, "created_at": TransformRun.ago(days: 2)],
                ])
            #expect(out.map { $0["id"]?.number } == [2])
        },
        "group": { kind in
            let out = try TransformRun.records(
                kind,
                [
                    ["job_id": 7, "status": "SUCCEEDED"], ["job_id": 8, "status": "SUCCEEDED"],
                    ["job_id": 7, "status": "RUNNING"],
                ])
            #expect(out.map { $0["job_id"]?.number } == [7, 8])
            #expect(out.map { $0["status"]?.string } == ["RUNNING", "SUCCEEDED"])
            #expect(out.map { $0["tasks"]?.number } == [2, 1])
        },
        "value": { kind in
            let point = try TransformRun.onePoint(kind, [["assets_count": 4]])
            #expect(point?.value == 4)
        },

        // Sources, against the fake GitHub, moto and a temporary SQLite file.
        "github_repository": { kind in
            try await GitHubBed.with { bed in
                let records = try await bed.run(kind, input: nil)
                #expect(records.count == 1)
                #expect(records.first?["default_branch"]?.string?.isEmpty == false)
            }
        },
        "github_pulls": { kind in
            try await GitHubBed.with { bed in
                let records = try await bed.run(kind, input: try await bed.repository())
                #expect(!records.isEmpty)
                #expect(records.allSatisfy { $0["state"]?.string == "closed" }, "the example lists closed pulls")
            }
        },
        "github_branches": { kind in
            try await GitHubBed.with { bed in
                let repository = try await bed.repository()
                let records = try await bed.run(kind, input: repository)
                #expect(!records.isEmpty)
                #expect(records.allSatisfy { $0["name"]?.string != nil })
                #expect(records.allSatisfy { $0["default_branch"] == repository["default_branch"] }, "add_fields applied")
            }
        },
        "github_branch_count": { kind in
            try await GitHubBed.with { bed in
                let repository = try await bed.repository()
                let records = try await bed.run(kind, input: repository)
                #expect(records.count == 1)
                let branches = try await bed.run(try StageComplianceTests.kind("github_branches"), input: repository)
                #expect(records.first?["count"]?.number == Double(branches.count))
            }
        },
        "github_commits": { kind in
            try await GitHubBed.with { bed in
                let records = try await bed.run(kind, input: try await bed.repository())
                #expect(!records.isEmpty)
                #expect(records.allSatisfy { $0["sha"]?.string != nil })
            }
        },
        "github_commit": { kind in
            try await GitHubBed.with { bed in
                let commits = try await bed.run(
                    try StageComplianceTests.kind("github_commits"), input: try await bed.repository())
                let listed = try #require(commits.first)
                let records = try await bed.run(kind, input: listed)
                #expect(records.count == 1)
                #expect(records.first?["sha"] == listed["sha"])
                #expect(records.first?["files"]?.array != nil)
            }
        },
        "github_workflow_runs": { kind in
            try await GitHubBed.with { bed in
                let records = try await bed.run(kind, input: try await bed.repository())
                #expect(!records.isEmpty)
                #expect(records.allSatisfy { $0["id"]?.number != nil })
            }
        },
        "aws_ec2_instances": { kind in
            let http = makeClient()
            defer { http.shutdown() }
            try await MotoServer.with(http: http) { moto in
                let ml = try await moto.runInstances(count: 2, instanceType: "t3.small", tags: [("team", "ml")], http: http)
                try await moto.runInstances(count: 1, instanceType: "t3.small", tags: [("team", "web")], http: http)
                var context = makeContext(http: http)
                context.environment = moto.environment
                let records = try await runSource(kind, options: kind.example, input: nil, context: context).records
                #expect(Set(records.compactMap { $0["instance_id"]?.string }) == Set(ml), "the example's tag filter applied")
            }
        },
        "http": { kind in
            // The example's API on a loopback server: 150 active items, 100 a page, behind its token.
            let server = try LoopbackServer { request in
                guard request.headers["authorization"] == "Bearer ${EXAMPLE_TOKEN}", request.query["status"] == "active",
                    let page = Int(request.query["page"] ?? ""), let size = Int(request.query["per_page"] ?? "")
                else { return .json("{\"message\":\"unexpected request\"}", status: 400) }
                let ids = (1...150).dropFirst((page - 1) * size).prefix(size)
                return .json("{\"items\":[" + ids.map { "{\"id\":\($0)}" }.joined(separator: ",") + "]}")
            }
            defer { server.stop() }
            let http = makeClient()
            defer { http.shutdown() }
            let options = merge(kind.example, ["url": .string(server.baseURL + "/v1/items")])
            let records = try await runSource(kind, options: options, input: nil, context: makeContext(http: http)).records
            #expect(records.compactMap { $0["id"]?.number } == (1...150).map(Double.init))
            #expect(server.requestCount == 2)
        },
        "values": { kind in
            let http = makeClient()
            defer { http.shutdown() }
            let records = try await runSource(kind, options: kind.example, input: nil, context: makeContext(http: http)).records
            #expect(records.compactMap { $0["project_gid"]?.string } == ["123", "456", "789"])
        },
        "sqlite_points": { kind in
            try await withTemporaryDirectory { dir in
                let path = dir + "/metrics.sqlite"
                let now = Int(GitHubBed.now)
                let day = 86_400
                let repo = "repo:octo-org/octo-repo"
                let wanted = MetricPoint(metric: "github.ci.runs", value: 5, timestamp: now - day, tags: [repo])
                let db = try MetricsDatabase(path: path)
                try db.write(
                    [
                        wanted,
                        MetricPoint(metric: "github.prs.open", value: 1, timestamp: now - day, tags: [repo]),
                        MetricPoint(metric: "github.ci.runs", value: 2, timestamp: now - day, tags: ["repo:o/other"]),
                        MetricPoint(metric: "github.ci.runs", value: 3, timestamp: now - 40 * day, tags: [repo]),
                    ], runID: "run-1", pipeline: "github")
                try db.write([wanted], runID: "run-2", pipeline: "other")
                let http = makeClient()
                defer { http.shutdown() }
                let points = try await runSource(
                    kind, options: merge(kind.example, ["path": .string(path)]), input: nil, context: makeContext(http: http)
                ).points
                #expect(points.map(\.metric) == ["github.ci.runs"])
                #expect(points.map(\.value) == [5])
                #expect(points.first?.timestamp == now - day, "replayed with its original timestamp")
            }
        },

        // Sinks, through the executor, fed by a source of sample points.
        "stdout": { kind in
            var report: RunReport?
            let printed = try await capturingStandardOutput {
                report = try await SinkRun.run(kind)
            }
            #expect(report?.exitCode == 0, "\(report?.sinkFailures ?? [:])")
            let lines = printed.split(separator: "\n").filter { $0.contains(SinkRun.metric) }
            #expect(lines.count == SinkRun.count, "one JSON line per sample point: \(printed)")
        },
        "sqlite": { kind in
            try await withTemporaryDirectory { dir in
                let path = dir + "/metrics.sqlite"
                let report = try await SinkRun.run(kind, ["path": .string(path)])
                #expect(report.exitCode == 0, "\(report.sinkFailures)")
                var back: [MetricPoint] = []
                let database = try MetricsDatabase(path: path, readOnly: true)
                for try await batch in database.points(filter: PointFilter(metric: SinkRun.metric)) { back += batch }
                #expect(back.map(\.value).sorted() == SinkRun.values)
            }
        },
        "datadog": { kind in
            let fake = try FakeDatadog()
            defer { fake.stop() }
            try await withTemporaryDirectory { dir in
                let report = try await SinkRun.run(
                    kind,
                    [
                        "url": .string(fake.baseURL), "api_key": .string(FakeDatadog.defaultAPIKey),
                        "state": .string(dir + "/state.sqlite"),
                    ])
                #expect(report.exitCode == 0, "\(report.sinkFailures)")
                let received = fake.series.keys.filter { $0.metric == SinkRun.metric }
                #expect(received.count == SinkRun.count, "every sample point reached the fake intake")
            }
        },
    ]
}

// MARK: Transforms

/// Runs a transform built from its example options, the way the executor does.
enum TransformRun {
    /// The run's clock: 2026-11-23T12:00:00Z.
    static let now = Timestamp.parse("2026-11-23T12:00:00Z")!

    static func ago(seconds: Double) -> JSON { .string(Timestamp.format(now - seconds)) }
    static func ago(days: Double) -> JSON { ago(seconds: days * 86_400) }

    static func context() -> StageContext {
        StageContext(
            stage: "under_test",
            run: RunFacts(pipeline: "compliance", id: "compliance-run", now: now, startedAt: now, tags: ["service:compliance"]),
            logger: quietLogger)
    }

    /// What the transform emits over `items`, fed in batches of two.
    static func run(_ kind: StageKind, _ items: [Item]) throws -> [Item] {
        let runtime = try kind.makeRuntime(options: kind.example, path: ["stages", kind.type])
        let batches = stride(from: 0, to: items.count, by: 2).map { Array(items[$0..<min($0 + 2, items.count)]) }
        var output: [Item] = []
        switch runtime {
        case .batch(let transform):
            for batch in batches { try transform.transform(batch, into: &output, context: context()) }
        case .aggregation(let aggregation):
            var accumulator = aggregation.makeAccumulator(context: context())
            for batch in batches { try accumulator.add(batch) }
            output = try accumulator.finish()
        default:
            Issue.record("\(kind.type) is a transform but builds \(runtime)")
        }
        switch kind.writes {
        case .records?: #expect(output.allSatisfy { $0.record != nil }, "\(kind.type) writes records only")
        case .points?: #expect(output.allSatisfy { $0.point != nil }, "\(kind.type) writes points only")
        case nil: Issue.record("\(kind.type) writes nothing")
        }
        return output
    }

    static func records(_ kind: StageKind, _ records: [JSON]) throws -> [JSON] {
        try run(kind, records.map(Item.record)).compactMap(\.record)
    }

    /// The points emitted over `records`, each named after the example's `metric`.
    static func points(_ kind: StageKind, _ records: [JSON]) throws -> [MetricPoint] {
        let points = try run(kind, records.map(Item.record)).compactMap(\.point)
        try expectMetricName(kind, points)
        return points
    }

    /// The single point emitted over `records`.
    static func onePoint(_ kind: StageKind, _ records: [JSON]) throws -> MetricPoint? {
        let points = try points(kind, records)
        #expect(points.count == 1, "\(kind.type) emits one point")
        return points.first
    }

    /// Every point is the example's `metric`, or a name under it (`<metric>.p50`).
    static func expectMetricName(_ kind: StageKind, _ points: [MetricPoint]) throws {
        let metric = try #require(kind.example["metric"]?.string, "\(kind.type)'s example names no metric")
        #expect(!points.isEmpty, "\(kind.type) emitted no point")
        for point in points {
            #expect(
                point.metric == metric || point.metric.hasPrefix(metric + "."),
                "\(kind.type) emitted \(point.metric), not the metric of its options (\(metric))")
        }
    }
}

// MARK: Sources

let quietLogger = Logger(label: "compliance-tests", level: .error)

/// A client that retries quickly, so a hiccup of a peer costs no real time.
func makeClient() -> HTTPClient {
    HTTPClient(
        configuration: .init(
            userAgent: "compliance-tests/1.0", connectTimeout: .seconds(2), requestTimeout: .seconds(20),
            retry: RetryPolicy(
                maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), maxRateLimitWait: .seconds(2)),
            logger: quietLogger))
}

func makeContext(http: HTTPClient, now: Double = GitHubBed.now) -> StageContext {
    StageContext(
        stage: "under_test", run: RunFacts(pipeline: "github", id: "compliance-run", now: now, startedAt: now, tags: []),
        logger: quietLogger, services: StageServices(http: http), environment: [:])
}

/// `options` (an object) with `extra` set over it.
func merge(_ options: JSON, _ extra: [String: JSON]) -> JSON {
    guard case .object(var object) = options else { return options }
    for (key, value) in extra { object[key] = value }
    return .object(object)
}

/// Runs the source `kind` built from `options` on `input`; returns what it emitted.
func runSource(_ kind: StageKind, options: JSON, input: JSON?, context: StageContext) async throws -> ItemCollector {
    guard case .source(let source) = try kind.makeRuntime(options: options, path: ["stages", kind.type]) else {
        Issue.record("\(kind.type) did not build a source")
        throw CancellationError()
    }
    let collector = ItemCollector()
    try await source.run(input: input, output: Output(collectingInto: collector), context: context)
    switch kind.writes {
    case .records?: #expect(collector.all.allSatisfy { $0.record != nil }, "\(kind.type) writes records only")
    case .points?: #expect(collector.all.allSatisfy { $0.point != nil }, "\(kind.type) writes points only")
    case nil: Issue.record("\(kind.type) writes nothing")
    }
    return collector
}

/// The fake GitHub (its edge-case data) and a client, for one run of a GitHub source.
struct GitHubBed {
    /// The clock the fake's data is built around: 2026-11-23T05:00:00Z.
    static let now = Timestamp.parse("2026-11-23T05:00:00Z")!
    static let repository = "octo-org/octo-repo"

    let fake: FakeGitHub
    let http: HTTPClient

    static func with(_ body: (GitHubBed) async throws -> Void) async throws {
        let bed = GitHubBed(
            fake: try FakeGitHub(data: .edgeCases(now: Date(timeIntervalSince1970: now))), http: makeClient())
        defer {
            bed.http.shutdown()
            bed.fake.stop()
        }
        try await body(bed)
    }

    /// Runs `kind` with its example options (no token; the repository's API URL on the fake) on `input`.
    func run(_ kind: StageKind, input: JSON?) async throws -> [JSON] {
        var extra: [String: JSON] = ["token": ""]
        if kind.example["api_url"] != nil { extra["api_url"] = .string(fake.baseURL) }
        return try await runSource(kind, options: merge(kind.example, extra), input: input, context: makeContext(http: http))
            .records
    }

    /// The record of octo-org/octo-repo, which parameterises the other GitHub sources.
    func repository() async throws -> JSON {
        let records = try await run(try StageComplianceTests.kind("github_repository"), input: nil)
        return try #require(records.first)
    }
}

// MARK: Sinks

/// Runs a sink through the executor, fed by a source of sample points.
enum SinkRun {
    static let metric = "compliance.sample"
    static let count = 3
    static let values: [Double] = (0..<count).map(Double.init)

    struct SamplePoints: Source {
        func run(input: JSON?, output: Output, context: StageContext) async throws {
            await output.send(
                SinkRun.values.enumerated().map { i, value in
                    .point(context.point(SinkRun.metric, value, extraTags: ["i:\(i)"]))
                })
        }
    }

    static let sample = StageKind.source(
        "compliance_sample_points", summary: "sample points", options: NoOptions.self, example: [:], writes: .points,
        optionDocs: [:]
    ) { _ in SamplePoints() }

    /// Runs `sample → kind` with `kind`'s example options and `extra` over them, at the wall clock.
    static func run(_ kind: StageKind, _ extra: [String: JSON] = [:]) async throws -> RunReport {
        let registry = StageRegistry(StageComplianceTests.registry.sorted + [sample])
        let sink = merge(kind.example, extra.merging(["type": .string(kind.type), "inputs": [.string("sample")]]) { $1 })
        let file: JSON = [
            "name": "compliance", "tags": ["env": "test"],
            "stages": ["sample": ["type": .string(sample.type)], "out": sink],
        ]
        let plan = try PipelineLoader(registry: registry, variables: Variables()).load(
            Array(file.jsonText.utf8), file: "compliance.json")
        let http = makeClient()
        defer { http.shutdown() }
        var executor = Executor(plan: plan, now: Timestamp.now().rounded(.down), logger: quietLogger, services: [http])
        executor.runID = "compliance-\(kind.type)"
        executor.environment = [:]
        let report = await executor.run()
        #expect(report.errorCount == 0, "\(report.outcomes)")
        return report
    }
}

// MARK: Support

/// Captures what the process writes to stdout (file descriptor 1) while `body` runs, and writes
/// it on to the real stdout afterwards. Only the stdout sink's run captures it, so no lock.
func capturingStandardOutput(_ body: () async throws -> Void) async throws -> String {
    let path = NSTemporaryDirectory() + "/compliance-stdout-" + UUID().uuidString
    let file = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
    let saved = dup(1)
    dup2(file, 1)
    var failure: (any Error)?
    do { try await body() } catch { failure = error }
    dup2(saved, 1)
    close(saved)
    close(file)
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    unlink(path)
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { _ = write(1, $0.baseAddress, $0.count) }
    if let failure { throw failure }
    return text
}
