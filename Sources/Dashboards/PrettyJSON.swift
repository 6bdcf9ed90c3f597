import Pipeline

/// JSON as people read it: two-space indents, one member per line, keys in the order built.
/// What `pipeline dashboard` and `pipeline monitors` print.
public enum PrettyJSON {
    public static func text(_ value: JSON) -> String {
        var out = ""
        write(value, indent: "", to: &out)
        return out + "\n"
    }

    private static func write(_ value: JSON, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                write(item, indent: inner, to: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (index, pair) in object.pairs.enumerated() {
                out += inner
                JSON.writeString(pair.key, to: &out)
                out += ": "
                write(pair.value, indent: inner, to: &out)
                out += index == object.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            JSON.write(value, to: &out)
        }
    }
}

extension JSONObject {
    /// An object from a literal, keys in the literal's order.
    init(_ literal: JSON) { self = literal.object ?? JSONObject() }
}
