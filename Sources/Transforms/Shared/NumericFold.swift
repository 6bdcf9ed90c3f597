import Pipeline

/// Options of the stages that read one numeric field of one record into one metric: `value`.
struct FieldMetricOptions: Decodable, Sendable {
    var field: FieldPath
    var output: MetricOptions

    init(from decoder: any Decoder) throws {
        let options = try OptionReader(decoder)
        self.field = try options.required("field")
        self.output = try MetricOptions(options)
    }
}

/// Options of the stages that fold one numeric field over every record: `sum`, `mean`, `min`,
/// `max`, optionally per group (`group_by`).
struct FoldOptions: Decodable, Sendable {
    var field: FieldPath
    var output: MetricOptions
    var groupBy: GroupBy?

    init(from decoder: any Decoder) throws {
        let options = try OptionReader(decoder)
        self.field = try options.required("field")
        self.output = try MetricOptions(options)
        self.groupBy = try GroupBy.read(options)
    }
}

/// The runtime of `sum`, `mean`, `min` and `max`: one pass over the numbers `field` reaches.
///
/// Numbers and numeric strings count; null, missing and other values are skipped. Only `sum`
/// emits when there was no number (0); the others have nothing to report and emit nothing.
struct NumericFold: Aggregation {
    /// The fields a fold reads: its field and its group-by field.
    @Sendable static func fieldsRead(_ options: FoldOptions) -> FieldsRead {
        .fields([options.field] + (options.groupBy?.fields ?? []))
    }

    enum Fold: Sendable { case sum, mean, min, max }

    let fold: Fold
    let options: FoldOptions

    init(_ fold: Fold, _ options: FoldOptions) {
        self.fold = fold
        self.options = options
    }

    func makeAccumulator(context: StageContext) -> any Accumulator { State(stage: self, context: context) }

    struct State: Accumulator {
        let stage: NumericFold
        let context: StageContext
        /// One partial fold per group; the single group "" without `group_by`.
        var groups: [String: Partial] = [:]

        mutating func add(_ batch: [Item]) throws {
            let groupBy = stage.options.groupBy
            for case .record(let record) in batch {
                let numbers = try Values.numbers(stage.options.field, in: record)
                guard !numbers.isEmpty else { continue }
                let group = try groupBy?.group(of: record) ?? ""
                for value in numbers { groups[group, default: Partial()].add(value) }
            }
        }

        func finish() -> [Item] {
            guard let groupBy = stage.options.groupBy else {
                let partial = groups[""] ?? Partial()
                guard let value = partial.value(stage.fold) else { return [] }
                return [.point(stage.options.output.point(value, context: context))]
            }
            return groups.sorted { $0.key < $1.key }.compactMap { group, partial in
                partial.value(stage.fold).map {
                    .point(stage.options.output.point($0, context: context, extraTags: groupBy.tags(for: group)))
                }
            }
        }
    }

    /// The running count, sum, min and max of one group.
    struct Partial {
        var count = 0
        var sum = CompensatedSum()
        var min = Double.infinity
        var max = -Double.infinity

        mutating func add(_ value: Double) {
            count += 1
            sum.add(value)
            min = Swift.min(min, value)
            max = Swift.max(max, value)
        }

        /// The fold's result; nil when there is nothing to report (only `sum` reports 0).
        func value(_ fold: Fold) -> Double? {
            switch fold {
            case .sum: sum.value
            case .mean: count > 0 ? sum.value / Double(count) : nil
            case .min: count > 0 ? min : nil
            case .max: count > 0 ? max : nil
            }
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

extension FieldMetricOptions: DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] { output.declarations([output.metric]) }
}

extension FoldOptions: DeclaresMetrics {
    var metricDeclarations: [MetricDeclaration] { output.declarations([output.metric], groupTags: groupBy?.tagNames ?? []) }
}
