import Pipeline

/// `window`: keeps the records whose time field falls in `[now - last, now]`, bounds included
/// (METRICS.md's window W with `"last": "7d"`).
///
/// ```json
/// {"type": "window", "inputs": ["pulls"], "field": "merged_at", "last": "7d"}
/// ```
/// Options: `field` (an ISO 8601 time, or a number of epoch seconds), `last` (a time span:
/// `7d`, `12h`, `30m`, `1d12h`). Records whose field is null, missing or not a time are dropped.
struct WindowTransform: BatchTransform {
    struct Options: Decodable, Sendable {
        var field: FieldPath
        var last: TimeSpan

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.field = try options.required("field")
            self.last = try options.required("last")
            guard last.seconds > 0 else { throw options.failure("last", "must be longer than 0s") }
        }
    }

    static let kind = StageKind.batch(
        "window", summary: "records whose time field is within the last span before now, inclusive",
        options: Options.self,
        example: ["field": "merged_at", "last": "7d"], fieldsRead: { .fields([$0.field]) },
        optionDocs: [
            "field": "time field of the record (required)",
            "last": "span before the run clock, e.g. 7d (required)",
        ]
    ) { WindowTransform(options: $0) }

    let options: Options

    func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
        let start = context.run.now - options.last.seconds
        for item in batch {
            guard case .record(let record) = item else {
                output.append(item)
                continue
            }
            if let time = try Values.time(options.field, in: record), time >= start, time <= context.run.now {
                output.append(item)
            }
        }
    }
}
