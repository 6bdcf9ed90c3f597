import Pipeline

/// `group_by` on `count`, `sum`, `mean`, `min` and `max`: one point per distinct value of a field
/// instead of one in all, tagged with the field's last name and the value
/// (`"group_by": "instance_type"` gives `instance_type:m5.large`, `instance_type:c5.xlarge`, …).
///
/// A record without the field is counted under the value `none`. With no record there is no
/// group, so no point: a series whose group disappears simply stops reporting.
struct GroupBy: Sendable {
    var field: FieldPath
    /// The tag's name: the last name of the path's first alternative.
    var tag: String

    static let option = "group_by"

    init(field: FieldPath) {
        self.field = field
        self.tag = field.alternatives.first?.last ?? "group"
    }

    /// The `group_by` option of a stage, if set.
    static func read(_ options: OptionReader) throws -> GroupBy? {
        let field: FieldPath? = try options.optional(option)
        return field.map(GroupBy.init)
    }

    /// The group of `record`: its field's first value as text, or `none`. A number too large
    /// for a double has no text to group by (it would print as null): it throws.
    func group(of record: JSON) throws(UnrepresentableNumber) -> String {
        switch field.value(in: record) {
        case .string(let text)?: return text.isEmpty ? "none" : text
        case .number(let number)?:
            guard number.isFinite else { throw UnrepresentableNumber(field: field) }
            return JSON.formatNumber(number)
        case .bool(let flag)?: return flag ? "true" : "false"
        default: return "none"
        }
    }

    /// The tag a group's point carries.
    func tag(for group: String) -> String { "\(tag):\(group)" }
}
