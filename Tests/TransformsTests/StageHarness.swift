import Pipeline
import Testing
import Transforms

/// Drives transform stages the way the executor does, through their registered `StageKind`.
enum Harness {
    /// The run's clock in every test: 2026-11-23T12:00:00Z.
    static let now = Timestamp.parse("2026-11-23T12:00:00Z")!
    static let pipelineTags = ["source:github-collector", "service:github-collector"]
    static func context(now: Double = Harness.now) -> StageContext {
        StageContext(
            stage: "under_test",
            run: RunFacts(pipeline: "github", id: "github-test", now: now, startedAt: now, tags: pipelineTags),
            logger: Logger(label: "test", level: .error))
    }

    static func kind(_ type: String) -> StageKind {
        guard let kind = TransformStages.all.first(where: { $0.type == type }) else {
            Issue.record("no stage type \(type)")
            fatalError("no stage type \(type)")
        }
        return kind
    }

    static func runtime(_ type: String, _ options: JSON) throws -> StageRuntime {
        try kind(type).makeRuntime(options: options, path: ["stages", type])
    }

    /// Runs a batch transform over `items`, fed in batches of `batchSize`.
    static func batch(
        _ type: String, _ options: JSON, _ items: [Item], now: Double = Harness.now, batchSize: Int = 2
    ) throws -> [Item] {
        guard case .batch(let transform) = try runtime(type, options) else {
            Issue.record("\(type) is not a batch transform")
            return []
        }
        var output: [Item] = []
        for start in stride(from: 0, to: items.count, by: batchSize) {
            try transform.transform(
                Array(items[start..<min(start + batchSize, items.count)]), into: &output, context: context(now: now))
        }
        return output
    }

    /// The records a batch transform keeps out of `records`.
    static func records(_ type: String, _ options: JSON, _ records: [JSON], now: Double = Harness.now) throws -> [JSON] {
        try batch(type, options, records.map(Item.record), now: now).compactMap(\.record)
    }

    /// Runs an aggregation over `items`, fed in batches of `batchSize`, and returns what it emits.
    static func aggregate(
        _ type: String, _ options: JSON, _ items: [Item], now: Double = Harness.now, batchSize: Int = 2
    ) throws -> [Item] {
        guard case .aggregation(let aggregation) = try runtime(type, options) else {
            Issue.record("\(type) is not an aggregation")
            return []
        }
        var accumulator = aggregation.makeAccumulator(context: context(now: now))
        for start in stride(from: 0, to: items.count, by: batchSize) {
            try accumulator.add(Array(items[start..<min(start + batchSize, items.count)]))
        }
        return try accumulator.finish()
    }

    /// The points an aggregation emits over `records`.
    static func points(_ type: String, _ options: JSON, _ records: [JSON], now: Double = Harness.now) throws
        -> [MetricPoint]
    {
        try aggregate(type, options, records.map(Item.record), now: now).compactMap(\.point)
    }

    /// The value of the single point an aggregation emits, nil when it emits none.
    static func value(_ type: String, _ options: JSON, _ records: [JSON]) throws -> Double? {
        let emitted = try points(type, options, records)
        #expect(emitted.count <= 1)
        return emitted.first?.value
    }

    /// The option fault building a stage raises, nil when its options are accepted.
    static func failure(_ type: String, _ options: JSON) -> OptionsDecoder.Failure? {
        do {
            _ = try runtime(type, options)
            return nil
        } catch let failure as OptionsDecoder.Failure {
            return failure
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// An ISO 8601 time `seconds` before the test clock.
    static func ago(_ seconds: Double) -> JSON { .string(Timestamp.format(now - seconds)) }

    static let day = 86_400.0
}
