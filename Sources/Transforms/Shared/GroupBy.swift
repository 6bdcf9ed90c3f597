import Pipeline

/// `group_by` on `count`, `distinct_count`, `sum`, `mean`, `min`, `max` and `percentiles`: one
/// point per distinct value of a field instead of one in all, tagged with the field's last name
/// and the value (`"group_by": "instance_type"` gives `instance_type:m5.large`, …). A list of
/// fields groups by their values together, one tag each (`"group_by": ["project", "project_gid"]`
/// gives `project:web` and `project_gid:12` on the same point).
///
/// A record without the field is counted under the value `none`. With no record there is no
/// group, so no point: a series whose group disappears simply stops reporting. To report a
/// known group with 0, feed records that carry only the group's fields alongside and count with
/// `where` (`count`, `distinct_count`): every record opens its group, only matching ones count.
struct GroupBy: Sendable {
    var fields: [FieldPath]
    /// The tags' names: the last name of each path's first alternative.
    var tagNames: [String]

    static let option = "group_by"
    /// The option's doc, for the `optionDocs` of each stage that takes it.
    static let doc =
        "field (or list of fields) whose values split the result: one point per value, tagged with it (default: one point)"

    init(fields: [FieldPath]) {
        self.fields = fields
        self.tagNames = fields.map { $0.alternatives.first?.last ?? "group" }
    }

    init(field: FieldPath) { self.init(fields: [field]) }

    /// The `group_by` option of a stage, if set: a field path or a list of them.
    static func read(_ options: OptionReader) throws -> GroupBy? {
        switch try options.optional(option, as: JSON.self) {
        case nil: return nil
        case .array?:
            let fields: [FieldPath] = try options.required(option)
            guard !fields.isEmpty else { throw options.failure(option, "list at least one field") }
            return GroupBy(fields: fields)
        default:
            let field: FieldPath = try options.required(option)
            return GroupBy(field: field)
        }
    }

    /// The group of `record`: each field's first value as text, or `none`, joined. A number too
    /// large for a double has no text to group by (it would print as null): it throws.
    func group(of record: JSON) throws(UnrepresentableNumber) -> String {
        var parts: [String] = []
        for field in fields { parts.append(try Self.text(of: field, in: record)) }
        return parts.joined(separator: Self.separator)
    }

    private static let separator = "\u{1F}"

    private static func text(of field: FieldPath, in record: JSON) throws(UnrepresentableNumber) -> String {
        switch field.value(in: record) {
        case .string(let text)?: return text.isEmpty ? "none" : text
        case .number(let number)?:
            guard number.isFinite else { throw UnrepresentableNumber(field: field) }
            return JSON.formatNumber(number)
        case .bool(let flag)?: return flag ? "true" : "false"
        default: return "none"
        }
    }

    /// The tags a group's point carries, one per field, in Datadog's form (`Tags`: a project named
    /// `Mobile App (iOS)` is `project:mobile_app_ios` on stdout as in Datadog).
    func tags(for group: String) -> [String] {
        zip(tagNames, group.split(separator: Self.separator, omittingEmptySubsequences: false)).map {
            Tags.normalize("\($0):\($1)")
        }
    }
}
