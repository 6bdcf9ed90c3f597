import Pipeline

/// Options of the stages that fold one numeric field into one metric: `sum`, `mean`, `min`, `max`.
struct FieldMetricOptions: Decodable, Sendable {
    var field: FieldPath
    var output: MetricOptions

    init(from decoder: any Decoder) throws {
        let options = try OptionReader(decoder)
        self.field = try options.required("field")
        self.output = try MetricOptions(options)
    }
}

/// The runtime of `sum`, `mean`, `min` and `max`: one pass over the numbers `field` reaches.
///
/// Numbers and numeric strings count; null, missing and other values are skipped. Only `sum`
/// emits when there was no number (0); the others have nothing to report and emit nothing.
struct NumericFold: Aggregation {
    enum Fold: Sendable { case sum, mean, min, max }

    let fold: Fold
    let options: FieldMetricOptions

    init(_ fold: Fold, _ options: FieldMetricOptions) {
        self.fold = fold
        self.options = options
    }

    func makeAccumulator(context: StageContext) -> any Accumulator { State(stage: self, context: context) }

    struct State: Accumulator {
        let stage: NumericFold
        let context: StageContext
        var count = 0
        var sum = CompensatedSum()
        var min = Double.infinity
        var max = -Double.infinity

        mutating func add(_ batch: [Item]) {
            for case .record(let record) in batch {
                for value in Values.numbers(stage.options.field, in: record) {
                    count += 1
                    sum.add(value)
                    min = Swift.min(min, value)
                    max = Swift.max(max, value)
                }
            }
        }

        func finish() -> [Item] {
            let value: Double
            switch stage.fold {
            case .sum: value = sum.value
            case .mean:
                guard count > 0 else { return [] }
                value = sum.value / Double(count)
            case .min:
                guard count > 0 else { return [] }
                value = min
            case .max:
                guard count > 0 else { return [] }
                value = max
            }
            return [.point(stage.options.output.point(value, context: context))]
        }
    }
}

/// Neumaier's compensated sum: long runs of durations add up without drifting.
struct CompensatedSum {
    private var total = 0.0
    private var compensation = 0.0

    mutating func add(_ x: Double) {
        let t = total + x
        if abs(total) >= abs(x) { compensation += (total - t) + x } else { compensation += (x - t) + total }
        total = t
    }

    var value: Double { total + compensation }
}
