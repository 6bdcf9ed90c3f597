import HTTP
import Pipeline
import Synchronization
import Testing

/// Small stage types for loader and executor tests, built with the public `StageKind` factories.
///
/// Everything lives under `TestStages` so that names cannot clash with other helpers of this
/// test target. A `TestStages.Kit` holds the objects a test inspects (the recording sink's points,
/// probes) and builds a registry whose stage kinds capture them.
enum TestStages {
    /// The registry's stage types:
    /// - `records` source: `count` records `{"i": k, "from": stage}` in batches of `batch_size`;
    ///   notes the field selection the engine gave it in `kit.selections`.
    /// - `points` source: `count` batches of one point each (`metric`, value k); reports to `flow`.
    /// - `fail` source: sends `after` records, then throws `Failure(message)`.
    /// - `block` source: fires `kit.blocked`, then waits until cancelled.
    /// - `fetch` source (inputs required): renders `url` from each input record, emits `{"url": …}`;
    ///   declares the template's fields as the fields it reads.
    /// - `get` source: one GET of `url` through the run's HTTP client; emits `{"status": N}`.
    /// - `pass` batch transform, records to records.
    /// - `pick` batch transform, records to records, declaring `fields` as the fields it reads.
    /// - `tally` aggregation: records with a value at `field`, as one gauge named `metric`.
    /// - `count` aggregation: the number of records, as one gauge named `metric`.
    /// - `record` sink: keeps every point in `kit.recorder`; `label` is kept for override tests.
    /// - `broken` sink: reads everything, then throws `SinkDeliveryError`.
    /// - `stateless` sink: reads everything (delivers it), then throws `SinkStateError`; with
    ///   `expect_stop`, one that says whether its context's stop signal had fired.
    final class Kit: Sendable {
        let recorder = Recorder()
        let flow = Flow()
        let blocked = Gate()
        let fetches = Concurrency()
        let selections = Selections()
        /// Sleep of each `fetch` run, so that runs overlap.
        let fetchDelay: Duration
        /// Sleep of the `record` sink every `slowEvery` batches (0: never).
        let slowEvery: Int

        init(fetchDelay: Duration = .zero, slowEvery: Int = 0) {
            self.fetchDelay = fetchDelay
            self.slowEvery = slowEvery
        }

        var registry: StageRegistry {
            StageRegistry([
                records, points, TestStages.fail, block, fetch, TestStages.get, TestStages.pass, TestStages.pick,
                TestStages.count,
                TestStages.tally, record, TestStages.broken, TestStages.stateless,
            ])
        }

        var records: StageKind {
            StageKind.source(
                "records", summary: "N records", options: EmitOptions.self, example: ["count": 3, "batch_size": 2],
                optionDocs: [:]
            ) { [selections] options in RecordsSource(options: options, selections: selections) }
        }

        var points: StageKind {
            StageKind.source(
                "points", summary: "N batches of one point", options: EmitOptions.self, example: ["count": 2],
                writes: .points, optionDocs: [:]
            ) { [flow] options in PointsSource(options: options, flow: flow) }
        }

        var block: StageKind {
            StageKind.source("block", summary: "waits until cancelled", options: NoOptions.self, example: [:], optionDocs: [:]) {
                [blocked] _ in BlockingSource(started: blocked)
            }
        }

        var fetch: StageKind {
            StageKind.source(
                "fetch", summary: "one record per input record", options: FetchOptions.self,
                example: ["url": "{id}"], inputs: .required, fieldsRead: { .fields($0.url.fields) }, optionDocs: [:]
            ) { [fetches, fetchDelay] options in
                FetchSource(options: options, probe: fetches, delay: fetchDelay)
            }
        }

        var record: StageKind {
            StageKind.sink(
                "record", summary: "records points", options: RecordOptions.self, example: ["label": "x"], optionDocs: [:]
            ) {
                [recorder, flow, slowEvery] options in
                RecordingSink(label: options.label, recorder: recorder, flow: flow, slowEvery: slowEvery)
            }
        }
    }

    // MARK: - Options

    struct EmitOptions: Decodable, Sendable {
        var count: Int
        var batchSize: Int?
        var metric: String?

        enum CodingKeys: String, CodingKey {
            case count, metric
            case batchSize = "batch_size"
        }
    }

    struct FailOptions: Decodable, Sendable {
        var message: String
        var after: Int?
    }

    struct GetOptions: Decodable, Sendable {
        var url: String
    }

    struct FetchOptions: Decodable, Sendable {
        var url: RecordTemplate
    }

    struct CountOptions: Decodable, Sendable {
        var metric: String
    }

    struct PickOptions: Decodable, Sendable {
        var fields: [FieldPath]
    }

    struct TallyOptions: Decodable, Sendable {
        var field: FieldPath
        var metric: String
    }

    struct RecordOptions: Decodable, Sendable {
        var label: String?
    }

    /// The error the `fail` source throws.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    // MARK: - Kinds that capture nothing

    static let fail = StageKind.source(
        "fail", summary: "fails", options: FailOptions.self, example: ["message": "boom"], optionDocs: [:]
    ) { FailingSource(options: $0) }

    static let get = StageKind.source(
        "get", summary: "one GET", options: GetOptions.self, example: ["url": "http://x"], optionDocs: [:]
    ) {
        GetSource(options: $0)
    }

    static let pass = StageKind.batch(
        "pass", summary: "identity", options: NoOptions.self, example: [:], fieldsRead: { _ in .everything }, optionDocs: [:]
    ) {
        _ in PassTransform()
    }

    static let pick = StageKind.batch(
        "pick", summary: "identity that declares the fields it reads", options: PickOptions.self,
        example: ["fields": ["a.b"]], fieldsRead: { .fields($0.fields) }, optionDocs: [:]
    ) { PickTransform(fieldsRead: $0.fields) }

    static let tally = StageKind.aggregation(
        "tally", summary: "records with a value at a field", options: TallyOptions.self,
        example: ["field": "a", "metric": "test.tally"], fieldsRead: { .fields([$0.field]) }, optionDocs: [:]
    ) { TallyAggregation(field: $0.field, metric: $0.metric) }

    static let count = StageKind.aggregation(
        "count", summary: "number of records", options: CountOptions.self, example: ["metric": "test.count"],
        fieldsRead: { _ in .everything }, optionDocs: [:]
    ) { CountAggregation(metric: $0.metric) }

    static let broken = StageKind.sink(
        "broken", summary: "cannot deliver", options: NoOptions.self, example: [:], optionDocs: [:]
    ) {
        _ in BrokenSink()
    }

    struct StatelessOptions: Decodable, Sendable {
        var expectStop: Bool?

        init(from decoder: any Decoder) throws {
            expectStop = try OptionReader(decoder).optional("expect_stop")
        }
    }

    static let stateless = StageKind.sink(
        "stateless", summary: "delivers, but its state file fails", options: StatelessOptions.self, example: [:], optionDocs: [:]
    ) { options in StatelessSink(reportsStop: options.expectStop ?? false) }

    // MARK: - Runtimes

    struct RecordsSource: Source {
        let options: EmitOptions
        let selections: Selections

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            selections.note(context.fields, for: context.stage)
            let size = max(1, options.batchSize ?? 100)
            var batch: [JSON] = []
            for i in 0..<options.count {
                batch.append(["i": .number(Double(i)), "from": .string(context.stage)])
                if batch.count == size {
                    await output.send(records: batch)
                    batch = []
                }
            }
            await output.send(records: batch)
        }
    }

    struct PointsSource: Source {
        let options: EmitOptions
        let flow: Flow

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            for i in 0..<options.count {
                flow.produced()
                await output.send(.point(context.point(options.metric ?? "test.point", Double(i))))
            }
        }
    }

    struct FailingSource: Source {
        let options: FailOptions

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            let records = (0..<(options.after ?? 0)).map { JSON.number(Double($0)) }
            await output.send(records: records.map { ["i": $0] })
            throw Failure(message: options.message)
        }
    }

    struct BlockingSource: Source {
        let started: Gate

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            started.open()
            try await Task.sleep(for: .seconds(3600))
        }
    }

    struct GetSource: Source {
        let options: GetOptions

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            let response = try await context.http.send(.get(options.url))
            await output.send(records: [["status": .number(Double(response.status))]])
        }
    }

    struct FetchSource: Source {
        let options: FetchOptions
        let probe: Concurrency
        let delay: Duration

        func run(input: JSON?, output: Output, context: StageContext) async throws {
            let url = try options.url.render(input)
            probe.enter(url)
            defer { probe.leave() }
            if delay > .zero { try await Task.sleep(for: delay) }
            await output.send(records: [["url": .string(url)]])
        }
    }

    struct PassTransform: BatchTransform {
        func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
            output += batch
        }
    }

    struct PickTransform: BatchTransform {
        let fieldsRead: [FieldPath]

        func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
            output += batch
        }
    }

    struct TallyAggregation: Aggregation {
        let field: FieldPath
        let metric: String

        func makeAccumulator(context: StageContext) -> any Accumulator {
            State(field: field, metric: metric, context: context)
        }

        struct State: Accumulator {
            let field: FieldPath
            let metric: String
            let context: StageContext
            var count = 0
            mutating func add(_ batch: [Item]) throws {
                count += batch.filter { $0.record.flatMap(field.value(in:)) != nil }.count
            }
            func finish() throws -> [Item] { [.point(context.point(metric, Double(count)))] }
        }
    }

    struct CountAggregation: Aggregation {
        let metric: String

        func makeAccumulator(context: StageContext) -> any Accumulator { State(metric: metric, context: context) }

        struct State: Accumulator {
            let metric: String
            let context: StageContext
            var count = 0
            mutating func add(_ batch: [Item]) throws { count += batch.filter { $0.record != nil }.count }
            func finish() throws -> [Item] { [.point(context.point(metric, Double(count)))] }
        }
    }

    struct RecordingSink: Sink {
        let label: String?
        let recorder: Recorder
        let flow: Flow
        let slowEvery: Int

        func run(points: PointStream, context: StageContext) async throws {
            var batches = 0
            for try await batch in points {
                flow.consumed()
                recorder.append(batch, sink: context.stage)
                batches += 1
                if slowEvery > 0, batches % slowEvery == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
        }
    }

    struct BrokenSink: Sink {
        func run(points: PointStream, context: StageContext) async throws {
            _ = try await points.collect()
            throw SinkDeliveryError("the metrics service answered 403 Forbidden")
        }
    }

    struct StatelessSink: Sink {
        var reportsStop = false

        func run(points: PointStream, context: StageContext) async throws {
            _ = try await points.collect()
            if reportsStop {
                throw SinkStateError(context.stop?.isFired == true ? "the stop signal had fired" : "no stop signal")
            }
            throw SinkStateError("delivered 3 points, but the outbox could not be cleared")
        }
    }

    // MARK: - Probes

    /// Every point the `record` sinks received, with the sink that got it.
    final class Recorder: Sendable {
        private let state = Mutex<[(sink: String, point: MetricPoint)]>([])

        func append(_ batch: [MetricPoint], sink: String) {
            state.withLock { $0 += batch.map { (sink, $0) } }
        }

        var points: [MetricPoint] { state.withLock { $0.map(\.point) } }
        func points(of sink: String) -> [MetricPoint] { state.withLock { $0.filter { $0.sink == sink }.map(\.point) } }
        func values(of metric: String) -> [Double] { points.filter { $0.metric == metric }.map(\.value) }
        var metrics: Set<String> { Set(points.map(\.metric)) }

        /// Exactly one point named `metric` arrived, with this value (and these tags, if given).
        func expect(
            metric: String, value: Double, tags: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let matching = points.filter { $0.metric == metric }
            #expect(matching.count == 1, "points named \(metric): \(matching.count)", sourceLocation: sourceLocation)
            guard let point = matching.first else { return }
            #expect(point.value == value, "value of \(metric)", sourceLocation: sourceLocation)
            if let tags { #expect(point.tags == tags, "tags of \(metric)", sourceLocation: sourceLocation) }
        }

        /// No point named `metric` arrived.
        func expectNo(metric: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!metrics.contains(metric), "unexpected point \(metric)", sourceLocation: sourceLocation)
        }
    }

    /// Batches produced minus batches consumed, and the most ever in flight.
    final class Flow: Sendable {
        private let state = Mutex<(inFlight: Int, maxInFlight: Int, produced: Int, consumed: Int)>((0, 0, 0, 0))

        func produced() {
            state.withLock {
                $0.inFlight += 1
                $0.produced += 1
                $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
            }
        }

        func consumed() {
            state.withLock {
                $0.inFlight -= 1
                $0.consumed += 1
            }
        }

        var maxInFlight: Int { state.withLock { $0.maxInFlight } }
        var producedCount: Int { state.withLock { $0.produced } }
        var consumedCount: Int { state.withLock { $0.consumed } }
    }

    /// How many runs of a stage are in progress, the most at once, and every input seen.
    final class Concurrency: Sendable {
        private let state = Mutex<(active: Int, peak: Int, seen: [String])>((0, 0, []))

        func enter(_ label: String) {
            state.withLock {
                $0.active += 1
                $0.peak = max($0.peak, $0.active)
                $0.seen.append(label)
            }
        }

        func leave() { state.withLock { $0.active -= 1 } }

        var peak: Int { state.withLock { $0.peak } }
        var seen: [String] { state.withLock { $0.seen } }
    }

    /// The field selection each `records` source was given by the engine.
    final class Selections: Sendable {
        private let state = Mutex<[String: FieldSelection]>([:])
        func note(_ selection: FieldSelection, for stage: String) { state.withLock { $0[stage] = selection } }
        subscript(stage: String) -> FieldSelection? { state.withLock { $0[stage] } }
    }

    /// A one-shot event a test can wait for.
    final class Gate: Sendable {
        private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        func open() {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.isOpen = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        var isOpen: Bool { state.withLock { $0.isOpen } }

        func wait() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.isOpen { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}

// MARK: - Loading and running

extension TestStages {
    /// Waits until `condition` holds, checking every millisecond; fails the test after `limit`.
    static func eventually(
        within limit: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within \(limit)", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

extension TestStages.Kit {
    func loader(
        variables: Variables = Variables(), sinkOverride: (type: String, options: JSON)? = nil
    ) -> PipelineLoader {
        PipelineLoader(registry: registry, variables: variables, sinkOverride: sinkOverride)
    }

    /// Loads `text`, which must be valid; records an issue and returns nil otherwise.
    func plan(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> PipelinePlan? {
        do {
            return try loader().load(Array(text.utf8), file: "test.json")
        } catch {
            Issue.record("the test pipeline does not load:\n\(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Loads `text` and runs it once; `configure` adjusts the executor (capacity, clock).
    func run(
        _ text: String, now: Double = 1_800_000_000, sourceLocation: SourceLocation = #_sourceLocation,
        configure: (inout Executor) -> Void = { _ in }
    ) async -> RunReport? {
        guard let plan = plan(text, sourceLocation: sourceLocation) else { return nil }
        let http = HTTPClient()
        defer { http.shutdown() }
        var executor = Executor(plan: plan, now: now, logger: Logger(label: "test", level: .error), services: [http])
        configure(&executor)
        return await executor.run()
    }
}
