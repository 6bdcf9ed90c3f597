import Synchronization

/// What each source emitted, per input record, kept across the runs of one backfill.
///
/// `pipeline backfill` evaluates a pipeline at many past times. Its sources run once, reaching
/// back over the whole range (`StageContext.lookback`); every later step replays what they
/// emitted, so the API is read once rather than once per step, and the transforms, which
/// window relative to each step's clock, compute each step exactly.
public final class SourceCache: Sendable {
    private let entries = Mutex<[String: [Item]]>([:])

    public init() {}

    static func key(stage: String, input: JSON?) -> String { stage + "\u{1}" + (input?.jsonText ?? "") }

    func lookup(stage: String, input: JSON?) -> [Item]? { entries.withLock { $0[Self.key(stage: stage, input: input)] } }

    func store(_ items: [Item], stage: String, input: JSON?) {
        entries.withLock { $0[Self.key(stage: stage, input: input)] = items }
    }

    /// Runs `source` for `input`, or replays what it emitted for that input before.
    func run(_ source: any Source, stage: String, input: JSON?, output: Output, context: StageContext) async throws {
        if let items = lookup(stage: stage, input: input) {
            var index = 0
            while index < items.count {
                let end = min(index + 1024, items.count)
                await output.send(Array(items[index..<end]))
                index = end
            }
            return
        }
        let collector = ItemCollector()
        try await source.run(input: input, output: output.recording(into: collector), context: context)
        store(collector.all, stage: stage, input: input)
    }
}

/// A source whose runs go through a `SourceCache`.
struct CachedSource: Source {
    let source: any Source
    let stage: String
    let cache: SourceCache

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        try await cache.run(source, stage: stage, input: input, output: output, context: context)
    }
}
