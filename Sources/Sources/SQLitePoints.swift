import Pipeline
import Storage

/// `sqlite_points`: replays points stored by the `sqlite` sink, oldest first, in batches of about
/// 1,000, with their original timestamps, tags, units and types (`pipelines/replay.json`).
///
/// Options: `path` (required) the metrics store, opened read-only; `metric` a GLOB pattern
/// (`github.ci.*`, default `*`); `since` and `until` inclusive bounds, each an ISO 8601 time or a
/// span back from the run's clock (`30d`, `12h`) or `now`; `pipeline` the pipeline that wrote
/// them (empty: any); `tags` `key:value` tags every point must have.
struct SQLitePointsSource: Source {
    struct Options: Decodable, Sendable {
        var path: String
        var metric: String?
        var since: String?
        var until: String?
        var pipeline: String?
        var tags: [String]?

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            path = try reader.required("path")
            metric = try reader.optional("metric")
            since = try reader.optional("since")
            until = try reader.optional("until")
            pipeline = try reader.optional("pipeline")
            tags = try reader.optional("tags")
        }
    }

    static let kind = StageKind.source(
        "sqlite_points", summary: "replay points stored by the sqlite sink, oldest first, with their original timestamps",
        options: Options.self,
        example: [
            "path": "metrics.sqlite", "metric": "github.ci.*", "since": "30d", "until": "now", "pipeline": "github",
            "tags": ["repo:octo-org/octo-repo"],
        ],
        writes: .points,
        optionDocs: [
            "path": "the metrics store to read, opened read-only (required)",
            "metric": "GLOB pattern of metric names (default *)",
            "since": "earliest time, ISO 8601 or a span back from the run clock like 30d (default: no bound)",
            "until": "latest time, ISO 8601, a span back or now (default: no bound)",
            "pipeline": "only points written by this pipeline (default: any)",
            "tags": "key:value tags every point must have (default: none)",
        ]
    ) { try SQLitePointsSource(options: $0) }

    /// A time bound as written: resolved against the run's clock when the stage runs.
    enum Bound: Sendable, Equatable {
        case at(Double)
        case ago(Double)
        case now

        init(_ text: String, option: String) throws {
            if text == "now" {
                self = .now
            } else if let span = TimeSpan(text) {
                self = .ago(span.seconds)
            } else if let seconds = Timestamp.parse(text) {
                self = .at(seconds)
            } else {
                throw OptionsDecoder.Failure(
                    path: [option],
                    message:
                        "\"\(text)\" is neither an ISO 8601 time (2026-11-23T05:30:00Z) nor a span back from the run's clock (30d, 12h) nor now"
                )
            }
        }

        func seconds(now: Double) -> Double {
            switch self {
            case .at(let seconds): seconds
            case .ago(let span): now - span
            case .now: now
            }
        }
    }

    let path: String
    let metric: String
    let since: Bound?
    let until: Bound?
    let pipeline: String?
    let tags: [String]
    var batchSize = 1000

    init(options: Options) throws {
        guard !options.path.isEmpty else { throw OptionsDecoder.Failure(path: ["path"], message: "must not be empty") }
        if let metric = options.metric, metric.isEmpty {
            throw OptionsDecoder.Failure(path: ["metric"], message: "must not be empty; \"*\" matches every metric")
        }
        path = options.path
        metric = options.metric ?? "*"
        since = try options.since.map { try Bound($0, option: "since") }
        until = try options.until.map { try Bound($0, option: "until") }
        if case .at(let from)? = since, case .at(let to)? = until, from > to {
            throw OptionsDecoder.Failure(path: ["until"], message: "is before since; nothing would be read")
        }
        pipeline = options.pipeline.flatMap { $0.isEmpty ? nil : $0 }  // "": any (`${pipeline:-}`)
        tags = try (options.tags ?? []).enumerated().map { index, tag in
            let parts = tag.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw OptionsDecoder.Failure(path: ["tags", "[\(index)]"], message: "\"\(tag)\" is not key:value")
            }
            // Stored tags are normalised; so must the ones we look for be.
            return Tags.normalize(tag)
        }
    }

    /// The filter for a run at `now`: `since` rounds up and `until` down to whole seconds.
    func filter(now: Double) -> PointFilter {
        PointFilter(
            metric: metric,
            since: since.map { Int($0.seconds(now: now).rounded(.up)) },
            until: until.map { Int($0.seconds(now: now).rounded(.down)) },
            pipeline: pipeline, tags: tags)
    }

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let store = try MetricsDatabase(path: path, readOnly: true)
        for try await batch in store.points(filter: filter(now: context.run.now), batchSize: batchSize) {
            await output.send(batch.map(Item.point))
        }
    }
}
