/// A type a stage option is decoded as that states the JSON Schema (draft 2020-12) of the values
/// a pipeline file may write for it, for `pipeline schema`.
///
/// The schema describes the file as written, before `${…}` is substituted: where the decoder
/// reads a string as a number or a boolean (`"${PER_PAGE:-100}"`, `"true"`), so does the schema.
/// Types that do not conform are left open (any value): the schema never rejects a file the
/// loader accepts.
public protocol OptionSchemaDescribing {
    static var optionSchema: JSON { get }
}

public enum OptionSchema {
    /// A string holding a `${…}` reference, whatever it resolves to.
    public static let variable: JSON = ["type": "string", "pattern": "\\$\\{"]

    /// `schema`, or a `${…}` string (for values that are not strings: an enum, a number).
    public static func orVariable(_ schema: JSON) -> JSON { ["anyOf": [schema, variable]] }

    /// One of `words`, or a `${…}` string.
    public static func words(_ words: [String]) -> JSON { orVariable(["enum": .array(words.map { .string($0) })]) }

    /// An object with a `type` among `types`, and other keys the type's reader checks.
    public static func typed(_ types: [String]) -> JSON {
        ["type": "object", "properties": ["type": words(types)], "required": ["type"]]
    }

    /// An object its type's reader checks key by key.
    public static let object: JSON = ["type": "object"]

    /// The schema of values of `type`, or nil when it states none.
    public static func of<T>(_ type: T.Type) -> JSON? { (type as? any OptionSchemaDescribing.Type)?.optionSchema }
}

extension String: OptionSchemaDescribing {
    public static var optionSchema: JSON { ["type": "string"] }
}

extension Bool: OptionSchemaDescribing {
    /// `true`, `false`, or the strings `"true"` and `"false"`, which a variable gives.
    public static var optionSchema: JSON {
        ["anyOf": [["type": "boolean"], ["enum": ["true", "false"]], OptionSchema.variable]]
    }
}

extension Double: OptionSchemaDescribing {
    /// A number, or a number written as a string (`"0.5"`), which a variable gives.
    public static var optionSchema: JSON {
        [
            "anyOf": [
                ["type": "number"], ["type": "string", "pattern": "^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$"],
                OptionSchema.variable,
            ]
        ]
    }
}

extension Int: OptionSchemaDescribing {
    /// A whole number, or one written as a string (`"100"`), which a variable gives.
    public static var optionSchema: JSON {
        [
            "anyOf": [
                ["type": "integer"], ["type": "string", "pattern": "^\\s*-?[0-9]+(\\.0+)?([eE][-+]?[0-9]+)?\\s*$"],
                OptionSchema.variable,
            ]
        ]
    }
}

extension Array: OptionSchemaDescribing where Element: OptionSchemaDescribing {
    public static var optionSchema: JSON { ["type": "array", "items": Element.optionSchema] }
}

extension Dictionary: OptionSchemaDescribing where Key == String, Value: OptionSchemaDescribing {
    public static var optionSchema: JSON { ["type": "object", "additionalProperties": Value.optionSchema] }
}

extension JSON: OptionSchemaDescribing {
    /// Any value: a stage that reads raw JSON checks it itself.
    public static var optionSchema: JSON { [:] }
}

extension TimeSpan: OptionSchemaDescribing {
    public static var optionSchema: JSON { ["type": "string", "description": "a time span such as 7d, 12h, 30m, 90s, 1d12h"] }
}

extension FieldPath: OptionSchemaDescribing {
    public static var optionSchema: JSON {
        ["type": "string", "description": "a field path such as commit.author.email or author.login|commit.author.email"]
    }
}

extension RecordTemplate: OptionSchemaDescribing {
    public static var optionSchema: JSON { ["type": "string", "description": "a template; {field} is a field of the record"] }
}
