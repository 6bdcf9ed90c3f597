/// Serialises `JSON` to compact text: JSON Lines output, request bodies, stored points.
extension JSON {
    public var jsonText: String {
        var out = ""
        JSON.write(self, to: &out)
        return out
    }

    /// The text indented by two spaces per level, one key or element a line, for people to read
    /// (`pipeline schema`).
    public var indentedJSONText: String {
        var out = ""
        JSON.writeIndented(self, indent: "", to: &out)
        return out
    }

    static func writeIndented(_ value: JSON, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out += "[\n"
            for (i, element) in elements.enumerated() {
                out += inner
                writeIndented(element, indent: inner, to: &out)
                out += i < elements.count - 1 ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (i, pair) in object.pairs.enumerated() {
                out += inner
                writeString(pair.key, to: &out)
                out += ": "
                writeIndented(pair.value, indent: inner, to: &out)
                out += i < object.count - 1 ? ",\n" : "\n"
            }
            out += indent + "}"
        default:
            write(value, to: &out)
        }
    }

    public static func write(_ value: JSON, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += formatNumber(n)
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                write(element, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, pair) in object.pairs.enumerated() {
                if i > 0 { out += "," }
                writeString(pair.key, to: &out)
                out += ":"
                write(pair.value, to: &out)
            }
            out += "}"
        }
    }

    /// Integers print without a fraction (`3`, not `3.0`); non-finite numbers, which JSON cannot
    /// carry, print as `null`.
    public static func formatNumber(_ n: Double) -> String {
        guard n.isFinite else { return "null" }
        if n == n.rounded(), abs(n) < 1e16 { return String(Int64(n)) }
        return "\(n)"
    }

    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
