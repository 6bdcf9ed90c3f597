/// Serialises `JSON` to compact text: JSON Lines output, request bodies, stored points.
extension JSON {
    public var jsonText: String {
        var out = ""
        JSON.write(self, to: &out)
        return out
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
