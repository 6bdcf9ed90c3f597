/// A string option filled in from an input record: `{default_branch}`, `{url}/pulls`.
///
/// Parameterised sources run once per upstream record; their options name the record's fields
/// in braces. (`${NAME}` is different: variables, resolved when the file is loaded.)
public struct RecordTemplate: Sendable, Hashable, Decodable, CustomStringConvertible {
    enum Part: Sendable, Hashable {
        case text(String)
        case field(FieldPath)
    }

    let parts: [Part]
    public let description: String

    public init?(_ text: String) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            guard let path = FieldPath(String(rest[rest.index(after: open)..<close])) else { return nil }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.field(path))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
        self.description = text
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let template = RecordTemplate(text) else {
            throw OptionsDecoder.Failure(
                path: decoder.codingPath.map(\.stringValue),
                message: "\"\(text)\" is not a template; name record fields in braces, e.g. {default_branch}")
        }
        self = template
    }

    /// The record fields the template reads.
    public var fields: [FieldPath] {
        parts.compactMap { if case .field(let path) = $0 { path } else { nil } }
    }

    public var isConstant: Bool { parts.allSatisfy { if case .text = $0 { true } else { false } } }

    /// The text with each `{field}` replaced by the record's value; throws when a field is missing.
    public func render(_ record: JSON?) throws(MissingField) -> String { try render(record, escapingInside: nil) }

    /// As `render(_:)`, with `escape` applied to the value of every field that does not start the
    /// template: a URL template's `{base}/items/{id}` takes `base` as it is and escapes `id`.
    public func render(_ record: JSON?, escapingInside escape: ((String) -> String)?) throws(MissingField) -> String {
        var out = ""
        for (index, part) in parts.enumerated() {
            switch part {
            case .text(let text): out += text
            case .field(let path):
                guard let record, let value = path.value(in: record) else {
                    throw MissingField(field: path.description, template: description)
                }
                let text =
                    switch value {
                    case .string(let s): s
                    case .number(let n): JSON.formatNumber(n)
                    case .bool(let b): b ? "true" : "false"
                    default: value.jsonText
                    }
                out += index > 0 ? escape?(text) ?? text : text
            }
        }
        return out
    }

    public struct MissingField: Error, CustomStringConvertible, Sendable {
        public var field: String
        public var template: String
        public var description: String { "the input record has no field \"\(field)\" for the template \"\(template)\"" }
    }
}
