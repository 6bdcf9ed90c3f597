import Pipeline

/// The `body` option: JSON whose strings may name input-record fields in braces (`{name}`).
///
/// Only braces around a field path (letters, digits, `_`, `-`, `.`, `|`) are fields, so a
/// GraphQL query's own braces (`{ project { runs { id } } }`) stay as written. A string that is
/// exactly one field (`"{limit}"`) takes the field's JSON value (a number stays a number), which
/// suits GraphQL `variables`.
struct HTTPBodyTemplate: Sendable {
    let json: JSON

    init(_ json: JSON) { self.json = json }

    /// The input record's fields the template reads.
    var fields: [FieldPath] { Self.fields(in: json) }

    /// The body for one input record; throws `MissingField` when the record lacks a field.
    func render(_ record: JSON?) throws -> JSON { try Self.render(json, record) }

    private static func fields(in value: JSON) -> [FieldPath] {
        switch value {
        case .string(let text): parts(text).compactMap { if case .field(let path) = $0 { path } else { nil } }
        case .array(let elements): elements.flatMap(fields(in:))
        case .object(let object): object.flatMap { fields(in: $0.value) }
        default: []
        }
    }

    private static func render(_ value: JSON, _ record: JSON?) throws -> JSON {
        switch value {
        case .string(let text):
            let parts = parts(text)
            if parts.count == 1, case .field(let path) = parts[0] { return try lookup(path, record) }
            var out = ""
            for part in parts {
                switch part {
                case .text(let literal): out += literal
                case .field(let path):
                    let found = try lookup(path, record)
                    switch found {
                    case .string(let s): out += s
                    case .number(let n): out += JSON.formatNumber(n)
                    case .bool(let b): out += b ? "true" : "false"
                    default: out += found.jsonText
                    }
                }
            }
            return .string(out)
        case .array(let elements): return .array(try elements.map { try render($0, record) })
        case .object(let object):
            return .object(JSONObject(try object.map { (key: $0.key, value: try render($0.value, record)) }))
        default: return value
        }
    }

    private static func lookup(_ path: FieldPath, _ record: JSON?) throws -> JSON {
        if let record, let value = path.value(in: record) { return value }
        // Rendering the field alone throws the engine's `MissingField`, naming it.
        _ = try RecordTemplate("{\(path.description)}")?.render(record)
        return .null
    }

    enum Part: Equatable {
        case text(String)
        case field(FieldPath)
    }

    /// `text` cut into literal text and `{field}` references.
    static func parts(_ text: String) -> [Part] {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            let after = rest.index(after: open)
            if let close = rest[after...].firstIndex(of: "}"), close > after,
                rest[after..<close].allSatisfy(isFieldCharacter), let path = FieldPath(String(rest[after..<close]))
            {
                if !literal.isEmpty { parts.append(.text(literal)) }
                literal = ""
                parts.append(.field(path))
                rest = rest[rest.index(after: close)...]
            } else {
                literal.append("{")
                rest = rest[after...]
            }
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }

    private static func isFieldCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "_-.|".contains(character))
    }
}
