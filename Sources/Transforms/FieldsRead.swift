import Pipeline

// The fields each record-reading stage reads, so sources keep only what the pipeline uses
// (`FieldSelection`). A new stage that reads records must declare them here too, or its
// sources keep every field.

extension CountStage: FieldReading {
    var fieldsRead: [FieldPath] { options.groupBy.map { [$0.field] } ?? [] }
}

extension DistinctCountStage: FieldReading {
    var fieldsRead: [FieldPath] { [options.field] }
}

extension NumericFold: FieldReading {
    var fieldsRead: [FieldPath] { [options.field] + (options.groupBy.map { [$0.field] } ?? []) }
}

extension PercentilesStage: FieldReading {
    var fieldsRead: [FieldPath] { [options.field] }
}

extension ValueStage: FieldReading {
    var fieldsRead: [FieldPath] { [options.field] }
}

extension LatestStage: FieldReading {
    var fieldsRead: [FieldPath] { [options.by] }
}

extension WindowStage: FieldReading {
    var fieldsRead: [FieldPath] { [options.field] }
}

extension DurationStage: FieldReading {
    var fieldsRead: [FieldPath] { [options.from, options.to] }
}

extension FilterStage: FieldReading {
    var fieldsRead: [FieldPath] { (options.all + options.any).flatMap(\.fieldsRead) }
}

extension FilterCondition {
    var fieldsRead: [FieldPath] {
        switch test {
        case .equalsField(let other), .notEqualsField(let other): [field, other]
        default: [field]
        }
    }
}
