import Pipeline

/// `duration`: adds the time between two time fields of each record as a number field.
///
/// ```json
/// {"type": "duration", "inputs": ["completed_runs"], "from": "run_started_at", "to": "updated_at", "as": "minutes", "unit": "minutes"}
/// ```
/// Options: `from`, `to` (paths to ISO 8601 times or epoch seconds), `as` (the top-level field
/// to set), `unit` (`seconds`, `minutes`, `hours` or `days`; default `seconds`),
/// `drop_incomplete` (drop records missing either time instead of passing them on without the
/// field; default false). A `to` before `from` gives a negative number.
struct DurationTransform: BatchTransform {
    enum Unit: String, Sendable, CaseIterable {
        case seconds, minutes, hours, days
        var seconds: Double {
            switch self {
            case .seconds: 1
            case .minutes: 60
            case .hours: 3600
            case .days: 86_400
            }
        }
    }

    struct Options: Decodable, Sendable {
        var from: FieldPath
        var to: FieldPath
        var field: String
        var unit: Unit
        var dropIncomplete: Bool

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            self.from = try options.required("from")
            self.to = try options.required("to")
            self.field = try options.required("as")
            let unit: String? = try options.optional("unit")
            self.dropIncomplete = try options.optional("drop_incomplete") ?? false
            guard !field.isEmpty, !field.contains("."), !field.contains("|") else {
                throw options.failure(
                    "as", "\"\(field)\" is not a field name: write a top-level name such as \"minutes\" (no . or |)")
            }
            if let unit {
                guard let parsed = Unit(rawValue: unit) else {
                    let choices = Unit.allCases.map(\.rawValue)
                    let hint = Suggest.closest(to: unit, among: choices).map { " (did you mean \"\($0)\"?)" } ?? ""
                    throw options.failure(
                        "unit", "unknown unit \"\(unit)\"\(hint); use one of \(choices.joined(separator: ", "))")
                }
                self.unit = parsed
            } else {
                self.unit = .seconds
            }
        }
    }

    static let kind = StageKind.batch(
        "duration", summary: "adds the time between two time fields as a number field", options: Options.self,
        example: [
            "from": "run_started_at", "to": "updated_at", "as": "minutes", "unit": "minutes", "drop_incomplete": true,
        ], fieldsRead: { .fields([$0.from, $0.to]) },
        optionDocs: [
            "from": "path to the start time (required)",
            "to": "path to the end time (required)",
            "as": "top-level field to set (required)",
            "unit": "seconds, minutes, hours or days (default seconds)",
            "drop_incomplete": "drop records missing either time instead of passing them on (default false)",
        ]
    ) { DurationTransform(options: $0) }

    let options: Options

    func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
        for item in batch {
            guard case .record(let record) = item, case .object(var object) = record else {
                output.append(item)
                continue
            }
            guard let start = try Values.time(options.from, in: record), let end = try Values.time(options.to, in: record)
            else {
                if !options.dropIncomplete { output.append(item) }
                continue
            }
            object[options.field] = .number((end - start) / options.unit.seconds)
            output.append(.record(.object(object)))
        }
    }
}
