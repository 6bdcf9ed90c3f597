import Pipeline

/// `latest`: the record(s) with the greatest value of a field, e.g. the most recently created
/// workflow run; it reads its whole input before it writes.
///
/// ```json
/// {"type": "latest", "inputs": ["completed_main_runs"], "by": "created_at"}
/// ```
/// Options: `by` (path to an ISO 8601 time, a number, or a numeric string), `count` (how many
/// records to keep, greatest first; default 1). Records without a usable `by` value are left
/// out; of records with equal values, the one read first wins.
struct LatestTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var by: FieldPath
        var count: Int

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.by = try options.required("by")
            self.count = try options.optional("count") ?? 1
            guard count >= 1 else { throw options.failure("count", "must be at least 1") }
        }
    }

    static let kind = StageKind.aggregation(
        "latest", summary: "the record(s) with the greatest value of a time or number field", options: Options.self,
        example: ["by": "created_at", "count": 1], writes: .records, fieldsRead: { .fields([$0.by]) },
        optionDocs: [
            "by": "time or number field compared (required)",
            "count": "how many records to keep (default 1)",
        ]
    ) { LatestTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options) }

    struct State: Accumulator {
        let options: Options
        /// At most `count` records, greatest key first.
        var kept: [(key: Double, record: JSON)] = []

        mutating func add(_ batch: [Item]) throws {
            for case .record(let record) in batch {
                guard let value = options.by.value(in: record), let key = try Values.ordering(value, field: options.by) else {
                    continue
                }
                if kept.count == options.count, let last = kept.last, key <= last.key { continue }
                let index = kept.firstIndex { $0.key < key } ?? kept.endIndex
                kept.insert((key, record), at: index)
                if kept.count > options.count { kept.removeLast() }
            }
        }

        func finish() -> [Item] { kept.map { .record($0.record) } }
    }
}
