import Pipeline

/// `distinct_count`: how many different values a field takes over every input record; 0 when
/// there are none.
///
/// ```json
/// {"type": "distinct_count", "inputs": ["commits_in_window"], "field": "author.login|commit.author.email", "lowercase": true, "metric": "github.developers.active_7d"}
/// ```
/// Options: `field` (path; every value it reaches counts, arrays flattened, so `files.filename`
/// counts file paths; `a|b` takes `b` for records where `a` is null), `lowercase` (compare strings
/// lower-cased, default false), `metric`, `unit`, `tags`. Null and missing values are skipped;
/// values of different JSON kinds are different (`1` is not `"1"`).
struct DistinctCountTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var field: FieldPath
        var lowercase: Bool
        var output: MetricOptions

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.field = try options.required("field")
            self.lowercase = try options.optional("lowercase") ?? false
            self.output = try MetricOptions(options)
        }
    }

    static let kind = StageKind.aggregation(
        "distinct_count", summary: "number of distinct values of a field (0 when none)", options: Options.self,
        example: [
            "field": "author.login|commit.author.email", "lowercase": true, "metric": "github.developers.active_7d",
        ], fieldsRead: { .fields([$0.field]) },
        optionDocs: [
            "field": "field whose distinct values are counted; a|b takes the first present (required)",
            "lowercase": "compare values lowercased (default false)",
            "metric": "metric name of the point (required)",
            "unit": "unit of the point, e.g. minute (default: none)",
            "tags": "extra key:value tags of the point (default: none)",
        ]
    ) { DistinctCountTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: Options
        let context: StageContext
        var seen: Set<JSON> = []

        mutating func add(_ batch: [Item]) {
            for case .record(let record) in batch {
                for value in options.field.values(in: record) {
                    if options.lowercase, case .string(let s) = value {
                        seen.insert(.string(s.lowercased()))
                    } else {
                        seen.insert(value)
                    }
                }
            }
        }

        func finish() -> [Item] { [.point(options.output.point(Double(seen.count), context: context))] }
    }
}
