import Expressions
import Pipeline

/// `group`: one record per key, its fields computed over the group's records; it reads its whole
/// input before it writes.
///
/// ```json
/// {"type": "group", "inputs": ["task_rows"], "by": "job_id",
///  "fields": {"job_id": "key",
///             "status": "first(rows, it.status != \"SUCCEEDED\").status ?? \"SUCCEEDED\"",
///             "tasks": "count(rows)"}}
/// ```
/// Options: `by`, an expression evaluated per record (a field name is one: `job_id`), whose
/// value is the record's key; `fields`, an object of field name to expression, evaluated once per
/// group with `rows` (the group's records, in input order) and `key` (its `by` value). Groups are
/// written in the order their first record was read. Records whose key is null form one group
/// too, with `key` null (filter them out first if they should not). Any other name in a
/// `fields` expression is a fault: a field of the group's first record is
/// `first(rows, true).NAME`, and every record's field is `rows.NAME`.
struct GroupTransform: Aggregation {
    struct Options: Decodable, Sendable {
        var by: Expression
        var fields: [(name: String, expression: Expression)]

        /// The names a `fields` expression may read.
        static let names = ["rows", "key"]

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            by = try options.required("by")
            let raw: JSON = try options.required("fields")
            guard case .object(let object) = raw, !object.isEmpty else {
                throw options.failure(
                    "fields", "an object of field name to expression over rows and key: {\"tasks\": \"count(rows)\"}")
            }
            fields = []
            for (name, value) in object {
                guard case .string(let text) = value else {
                    throw options.failure(["fields", name], "an expression is a string, found \(value.kindName)")
                }
                let expression: Expression
                do {
                    expression = try Expression(text, location: "fields.\(name)")
                } catch {
                    throw options.failure(["fields", name], error.description)
                }
                if let other = expression.fieldsRead.first(where: { !Self.names.contains($0.alternatives[0][0]) }) {
                    throw options.failure(
                        ["fields", name],
                        "\"\(other)\" is not rows (the group's records) or key (its by value); "
                            + "a field of the group's first record is first(rows, true).\(other)")
                }
                fields.append((name, expression))
            }
        }

        /// The input fields read: those of `by`, and under `rows` those of `fields`. An
        /// expression that reads `rows` whole (`count(rows)`, `first(rows, …)`) may read any
        /// field of the records, so the records are kept whole.
        var fieldsRead: FieldsRead {
            var read = by.fieldsRead
            for (_, expression) in fields {
                for path in expression.fieldsRead where path.alternatives[0][0] == "rows" {
                    let rest = path.alternatives[0].dropFirst()
                    guard !rest.isEmpty, let field = FieldPath(rest.joined(separator: ".")) else { return .everything }
                    if !read.contains(field) { read.append(field) }
                }
            }
            return .fields(read)
        }
    }

    static let kind = StageKind.aggregation(
        "group", summary: "one record per key, with fields computed over each group's records", options: Options.self,
        example: [
            "by": "job_id",
            "fields": [
                "job_id": "key", "status": "first(rows, it.status != \"SUCCEEDED\").status ?? \"SUCCEEDED\"",
                "tasks": "count(rows)",
            ],
        ], writes: .records, fieldsRead: { $0.fieldsRead },
        optionDocs: [
            "by": "expression giving each record's key, e.g. a field name: job_id (required)",
            "fields":
                "field name to expression, evaluated once per group with rows (the group's records, in input order) "
                + "and key (the by value), e.g. \"count(rows)\", \"first(rows, true).name\", \"max(rows.end_at)\" "
                + "(required); groups are written in order of first appearance",
        ]
    ) { GroupTransform(options: $0) }

    let options: Options

    func makeAccumulator(context: StageContext) -> any Accumulator { State(options: options, now: context.run.now) }

    struct State: Accumulator {
        let options: Options
        let now: Double
        /// The groups in order of first appearance, and where each key's group sits.
        var groups: [(key: JSON, rows: [JSON])] = []
        var index: [JSON: Int] = [:]

        mutating func add(_ batch: [Item]) throws {
            for case .record(let record) in batch {
                let key = try options.by.evaluate(record, now: now).json
                if let at = index[key] {
                    groups[at].rows.append(record)
                } else {
                    index[key] = groups.count
                    groups.append((key, [record]))
                }
            }
        }

        func finish() throws -> [Item] {
            try groups.map { group in
                let scope: JSON = ["rows": .array(group.rows), "key": group.key]
                var object = JSONObject()
                for (name, expression) in options.fields {
                    object[name] = try expression.evaluate(scope, now: now).json
                }
                return .record(.object(object))
            }
        }
    }
}
