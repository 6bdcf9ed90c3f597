import Pipeline

/// `values`: one record per item of a list written in the pipeline file, so a stage can run once
/// per configured thing (a project, a region) named in one variable.
///
/// ```json
/// {"type": "values", "items": "${ASANA_PROJECTS:?set ASANA_PROJECTS}", "split": ",", "field": "project_gid"}
/// ```
/// emits `{"project_gid": "123"}`, `{"project_gid": "456"}` for `ASANA_PROJECTS=123,456`.
///
/// Options: `items` (a string, or a list of strings; required), `split` (the separator that cuts a
/// string into items; default: none, the string is one item), `field` (the name of each record's
/// one field; default `value`). Items are trimmed of spaces; empty ones are dropped, and a
/// repeated one is emitted once. No item at all fails the stage.
struct ValuesSource: Source {
    struct Options: Decodable, Sendable {
        var items: [String]
        var field: String

        init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            let split: String? = try reader.optional("split")
            if split?.isEmpty == true { throw reader.failure("split", "must not be empty") }
            let raw: [String]
            if case .array? = try reader.optional("items", as: JSON.self) {
                raw = try reader.required("items")
            } else {
                let text: String = try reader.required("items")
                raw = split.map { text.split(separator: $0, omittingEmptySubsequences: false).map(String.init) } ?? [text]
            }
            var items: [String] = []
            for item in raw.map(Self.trimmed) where !item.isEmpty && !items.contains(item) { items.append(item) }
            guard !items.isEmpty else { throw reader.failure("items", "no item: list at least one") }
            self.items = items
            field = try reader.optional("field") ?? "value"
            guard !field.isEmpty else { throw reader.failure("field", "must not be empty") }
        }

        static func trimmed(_ text: String) -> String {
            String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
    }

    static let kind = StageKind.source(
        "values", summary: "one record per item of a list or a separated string, e.g. the projects a variable names",
        options: Options.self,
        example: ["items": "123, 456,789", "split": ",", "field": "project_gid"],
        optionDocs: [
            "items": "a string, or a list of strings: the items (required; at least one after trimming)",
            "split": "separator cutting a string into items, e.g. \",\" (default: the string is one item)",
            "field": "name of the one field of each record (default value)",
        ]
    ) { ValuesSource(options: $0) }

    let options: Options

    func run(input: JSON?, output: Output, context: StageContext) async throws {
        let records = options.items.map { item -> JSON in
            var object = JSONObject()
            object[options.field] = .string(item)
            return .object(object)
        }
        await output.send(records: records)
    }
}
