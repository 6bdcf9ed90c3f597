import Pipeline

/// The `records` option: where the items sit in an answer, as a dotted path (`data.items`).
///
/// A step that meets an array maps over it, so `data.project.runs.edges.node` yields each
/// edge's node. What the path reaches is the records: an array's elements, or one object. No
/// path takes the whole answer the same way. Null and missing values yield nothing.
struct HTTPRecordsPath: Sendable, Decodable {
    let steps: [String]

    init(_ steps: [String]) { self.steps = steps }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let steps = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, !steps.contains(where: \.isEmpty) else {
            throw optionFailure(decoder.codingPath, "\"\(text)\" is not a path; write keys separated by dots, e.g. data.items")
        }
        self.steps = steps
    }

    var description: String { steps.joined(separator: ".") }

    /// The records the first of `paths` that reaches something (`reaches(in:)`) finds in `answer`;
    /// no paths: the whole answer.
    static func records(at paths: [HTTPRecordsPath], in answer: JSON) -> [JSON] {
        guard let path = paths.first(where: { $0.reaches(in: answer) }) ?? (paths.isEmpty ? HTTPRecordsPath([]) : nil) else {
            return []
        }
        var found: [JSON] = []
        collect(answer, path.steps[...], into: &found)
        return found
    }

    /// Whether the path leads somewhere in `answer`: every step found (an empty array on the way
    /// counts), ending on a value that is not null. `return_value.jobs` reaches `{"jobs": []}`, not
    /// a bare list of rows.
    func reaches(in answer: JSON) -> Bool { Self.reaches(answer, steps[...]) }

    private static func reaches(_ value: JSON, _ steps: ArraySlice<String>) -> Bool {
        switch value {
        case .null: return false
        case .array(let elements) where !steps.isEmpty:
            return elements.isEmpty || elements.contains { reaches($0, steps) }
        case .object(let object) where !steps.isEmpty:
            return object[steps.first!].map { reaches($0, steps.dropFirst()) } ?? false
        default: return steps.isEmpty
        }
    }

    private static func collect(_ value: JSON, _ steps: ArraySlice<String>, into found: inout [JSON]) {
        switch value {
        case .array(let elements):
            for element in elements { collect(element, steps, into: &found) }
        case .object(let object):
            guard let step = steps.first else {
                found.append(value)
                return
            }
            if let next = object[step] { collect(next, steps.dropFirst(), into: &found) }
        case .null: return
        default:
            if steps.isEmpty { found.append(value) }
        }
    }

    /// The single value `path` reaches in `answer` (no mapping over arrays; a numeric step indexes).
    static func value(at path: HTTPRecordsPath, in answer: JSON) -> JSON? {
        var current = answer
        for step in path.steps {
            switch current {
            case .object(let object):
                guard let next = object[step] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(step), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default: return nil
            }
        }
        // Not `current.isNull ? nil : current`: JSON is nil-literal convertible, so that nil is `.null`.
        if current.isNull { return nil }
        return current
    }
}

extension HTTPRecordsPath: OptionSchemaDescribing {
    static var optionSchema: JSON { ["type": "string", "description": "keys separated by dots, e.g. data.items"] }
}
