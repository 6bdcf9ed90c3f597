import Pipeline

/// `value`: a gauge from a field of the one record it reads (put `latest` before it to pick one).
///
/// ```json
/// {"type": "value", "inputs": ["latest_release"], "field": "assets_count", "metric": "github.releases.assets"}
/// ```
/// Options: `field`, `metric`, `unit`, `tags`. A number, a numeric string, or a boolean (1 or 0).
/// Nothing is emitted when no record arrives or the field holds no such value; more than one
/// record fails the stage rather than pick one silently.
struct ValueTransform: Aggregation {
    static let kind = StageKind.aggregation(
        "value", summary: "a gauge from a field of a single record", options: FieldMetricOptions.self,
        example: ["field": "assets_count", "metric": "github.releases.assets"], fieldsRead: { .fields([$0.field]) },
        optionDocs: MetricOptions.docs([
            "field": "numeric field of the single record (required)"
        ])
    ) { ValueTransform(options: $0) }

    struct TooManyRecords: Error, CustomStringConvertible {
        var count: Int
        var description: String {
            "value reads one record but received \(count); put a latest or filter stage before it"
        }
    }

    let options: FieldMetricOptions

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, context: context) }

    struct State: Accumulator {
        let options: FieldMetricOptions
        let context: StageContext
        var record: JSON?
        var count = 0

        mutating func add(_ batch: [Item]) {
            for case .record(let record) in batch {
                count += 1
                if self.record == nil { self.record = record }
            }
        }

        func finish() throws -> [Item] {
            guard count <= 1 else { throw TooManyRecords(count: count) }
            guard let value = record.flatMap({ options.field.value(in: $0) }) else { return [] }
            let number: Double? =
                if case .bool(let b) = value { b ? 1 : 0 } else { try Values.number(value, field: options.field) }
            guard let number else { return [] }
            return [.point(options.output.point(number, context: context))]
        }
    }
}
