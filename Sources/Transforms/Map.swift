import Expressions
import Pipeline

/// `map`: adds fields computed by expressions to each record, or replaces them.
///
/// ```json
/// {"type": "map", "inputs": ["tasks"],
///  "fields": {"overdue": "not completed and due_at != null and time(due_at) < now",
///             "age_days": "days(now - time(created_at))"}}
/// ```
/// Options: `fields`, an object of field name to expression (the language is described in
/// `Expression`). Fields are computed in the order written, so a later one may read an earlier
/// one; a time is written as an ISO 8601 string. An expression that meets values it cannot
/// combine (`"a" - 1`) fails the stage, naming the field and the expression.
struct MapTransform: BatchTransform {
    struct Options: Decodable, Sendable {
        var fields: [(name: String, expression: Expression)]

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            let raw: JSON = try options.required("fields")
            guard case .object(let object) = raw, !object.isEmpty else {
                throw options.failure(
                    "fields", "an object of field name to expression: {\"age_days\": \"days(now - time(created_at))\"}")
            }
            fields = []
            for (name, value) in object {
                guard case .string(let text) = value else {
                    throw options.failure(["fields", name], "an expression is a string, found \(value.kindName)")
                }
                do {
                    fields.append((name, try Expression(text, location: "fields.\(name)")))
                } catch {
                    throw options.failure(["fields", name], error.description)
                }
            }
        }

        /// The input fields the expressions read: not those an earlier field of the stage writes.
        var fieldsRead: [FieldPath] {
            var seen = Set<FieldPath>()
            var written = Set<String>()
            var read: [FieldPath] = []
            for (name, expression) in fields {
                for path in expression.fieldsRead where !written.contains(path.alternatives[0][0]) && seen.insert(path).inserted {
                    read.append(path)
                }
                written.insert(name)
            }
            return read
        }
    }

    static let kind = StageKind.batch(
        "map", summary: "records with fields computed by expressions added", options: Options.self,
        example: ["fields": ["age_days": "days(now - time(created_at))", "stale": "age_days > 30 and state == \"open\""]],
        fieldsRead: { .fields($0.fieldsRead) },
        optionDocs: [
            "fields":
                "field name to expression, computed in order (later ones may read earlier ones); functions: "
                + Functions.all.map(\.signature).joined(separator: ", ")
        ]
    ) { MapTransform(options: $0) }

    let options: Options

    func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
        for item in batch {
            guard case .record(let record) = item else {
                output.append(item)
                continue
            }
            output.append(.record(try map(record, now: context.run.now)))
        }
    }

    func map(_ record: JSON, now: Double) throws -> JSON {
        var object = record.object ?? JSONObject()
        for (name, expression) in options.fields {
            object[name] = try expression.evaluate(.object(object), now: now).json
        }
        return .object(object)
    }
}
