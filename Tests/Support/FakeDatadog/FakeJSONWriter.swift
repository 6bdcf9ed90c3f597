/// Compact JSON text of a `FakeJSON`, for the answers of the fake's object endpoints.
extension FakeJSON {
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let value, let isInteger):
            out += isInteger && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        case .string(let value): out += FakeJSON.quoted(value)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (index, pair) in object.pairs.enumerated() {
                if index > 0 { out += "," }
                out += FakeJSON.quoted(pair.key) + ":"
                pair.value.write(to: &out)
            }
            out += "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
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
        return out + "\""
    }

    public subscript(key: String) -> FakeJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    public var arrayValue: [FakeJSON]? { if case .array(let items) = self { items } else { nil } }
}

extension FakeJSONObject {
    public init(_ pairs: [(key: String, value: FakeJSON)]) { self.pairs = pairs }

    /// Sets (or, with nil, removes) `key`, keeping the order of the others.
    public mutating func set(_ key: String, _ value: FakeJSON?) {
        if let index = pairs.firstIndex(where: { $0.key == key }) {
            if let value { pairs[index].value = value } else { pairs.remove(at: index) }
        } else if let value {
            pairs.append((key, value))
        }
    }
}
