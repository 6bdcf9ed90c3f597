import Pipeline

/// The `decode_json` option: fields of each record whose value is JSON written as a string
/// (W&B's `summaryMetrics`), decoded in place so later stages can read into them. A value that
/// is not a string, or not valid JSON, is left as it is.
enum HTTPJSONStrings {
    static func decode(_ paths: [HTTPRecordsPath], in record: JSON) -> JSON {
        paths.reduce(record) { decode($1.steps[...], in: $0) }
    }

    private static func decode(_ steps: ArraySlice<String>, in value: JSON) -> JSON {
        switch value {
        case .array(let elements): return .array(elements.map { decode(steps, in: $0) })
        case .object(var object):
            guard let step = steps.first, let child = object[step] else { return value }
            object[step] = decode(steps.dropFirst(), in: child)
            return .object(object)
        case .string(let text) where steps.isEmpty:
            return (try? JSONParser.parse(text)) ?? value
        default: return value
        }
    }
}
