import Pipeline

/// One test on one field of a record: `{"field": "commit.message", "contains": "hotfix"}`.
///
/// `field` is a path (`commit.author.email`, `author.login|commit.author.email`); a path that
/// meets an array tests each element, and the condition holds when any of them passes (a field
/// that reaches only null, nothing or an empty array is missing). Each condition has exactly
/// one test:
///
/// | test | holds when |
/// |---|---|
/// | `"exists": true/false` | the field is present and not null / is missing or null |
/// | `"is_null": true/false` | the same as `exists` with the opposite sense |
/// | `"equals": v` | a value equals `v` (any JSON value but an array; `1` is not `"1"`) |
/// | `"not_equals": v` | the field is present and no value equals `v` |
/// | `"in": [v, …]` | a value equals one of the list |
/// | `"contains": "s"` | a string value contains `s`, ignoring case by default |
/// | `"starts_with": "s"` | a string value starts with `s`, case-sensitive by default |
/// | `"after": t` / `"before": t` | a time value is ≥ / ≤ `t`; `t` is a span back from now (`"7d"`), `"now"`, or an ISO 8601 time |
/// | `"equals_field": path` | the field's values equal those of the other field of the record |
/// | `"not_equals_field": path` | both fields are present and their values differ |
///
/// Modifiers: `case_insensitive` (string tests and comparisons: compare lower-cased; default
/// true for `contains`, false otherwise), `not` (negate the condition, a missing field included:
/// `not` of `equals` holds for a record without the field, `not_equals` does not).
/// A missing field fails every test except `exists: false` and `is_null: true`.
struct FilterCondition: Decodable, Sendable {
    enum Test: Sendable {
        case exists(Bool)
        case equals(JSON)
        case notEquals(JSON)
        case oneOf([JSON])
        case contains(String)
        case startsWith(String)
        case after(TimeBound)
        case before(TimeBound)
        case equalsField(FieldPath)
        case notEqualsField(FieldPath)
    }

    /// A time in a condition: a span back from the run's now, or a fixed time.
    enum TimeBound: Sendable, Equatable {
        case ago(Double)
        case at(Double)

        func resolve(now: Double) -> Double {
            switch self {
            case .ago(let seconds): now - seconds
            case .at(let time): time
            }
        }
    }

    static let tests = [
        "exists", "is_null", "equals", "not_equals", "in", "contains", "starts_with", "after", "before",
        "equals_field", "not_equals_field",
    ]
    static let stringTests: Set<String> = [
        "equals", "not_equals", "in", "contains", "starts_with", "equals_field", "not_equals_field",
    ]

    var field: FieldPath
    var test: Test
    var caseInsensitive: Bool
    var negated: Bool

    init(from decoder: any Decoder) throws {
        let options = try OptionReader(decoder)
        if let unknown = options.unknownKeyFailure(known: ["field", "case_insensitive", "not"] + Self.tests) {
            throw unknown
        }
        self.field = try options.required("field")
        let caseInsensitive: Bool? = try options.optional("case_insensitive")
        self.negated = try options.optional("not") ?? false

        var found: [(String, Test)] = []
        for name in Self.tests {
            guard let test = try Self.decodeTest(name, options) else { continue }
            found.append((name, test))
        }
        guard let (name, test) = found.first else {
            throw options.failure(nil, "a condition needs a test: one of \(Self.tests.joined(separator: ", "))")
        }
        guard found.count == 1 else {
            throw options.failure(
                nil,
                "a condition has one test, found \(found.map { "\"\($0.0)\"" }.joined(separator: " and ")); write one condition per test"
            )
        }
        if caseInsensitive != nil, !Self.stringTests.contains(name) {
            throw options.failure("case_insensitive", "applies to string tests only, not to \"\(name)\"")
        }
        let fold = caseInsensitive ?? (name == "contains")
        self.caseInsensitive = fold
        self.test = fold ? Self.lowercased(test) : test
    }

    private static func decodeTest(_ name: String, _ options: OptionReader) throws -> Test? {
        guard options.has(name) else { return nil }
        let raw: JSON = try options.required(name)
        if raw.isNull {
            let hint = name == "equals" ? "; to test for null write \"is_null\": true" : ""
            throw options.failure(name, "must not be null\(hint)")
        }
        switch name {
        case "exists": return .exists(try options.required(name, as: Bool.self))
        case "is_null": return .exists(!(try options.required(name, as: Bool.self)))
        case "equals", "not_equals":
            if case .array = raw {
                throw options.failure(name, "compares with one value; for a list of values use \"in\"")
            }
            return name == "equals" ? .equals(raw) : .notEquals(raw)
        case "in": return .oneOf(try options.required(name, as: [JSON].self))
        case "contains": return .contains(try options.required(name))
        case "starts_with": return .startsWith(try options.required(name))
        case "after", "before":
            let text: String = try options.required(name)
            guard let bound = timeBound(text) else {
                throw options.failure(
                    name, "\(Diagnostic.quote(text)) is neither a span back from now (7d, 12h, 30m) nor an ISO 8601 time")
            }
            return name == "after" ? .after(bound) : .before(bound)
        case "equals_field": return .equalsField(try options.required(name))
        case "not_equals_field": return .notEqualsField(try options.required(name))
        default: return nil
        }
    }

    static func timeBound(_ text: String) -> TimeBound? {
        if text == "now" { return .ago(0) }
        if let span = TimeSpan(text) { return .ago(span.seconds) }
        return Timestamp.parse(text).map(TimeBound.at)
    }

    private static func lowercased(_ test: Test) -> Test {
        switch test {
        case .equals(let v): .equals(fold(v))
        case .notEquals(let v): .notEquals(fold(v))
        case .oneOf(let list): .oneOf(list.map(fold))
        case .contains(let s): .contains(s.lowercased())
        case .startsWith(let s): .startsWith(s.lowercased())
        default: test
        }
    }

    private static func fold(_ value: JSON) -> JSON {
        if case .string(let s) = value { return .string(s.lowercased()) }
        return value
    }

    func holds(in record: JSON, now: Double) throws -> Bool {
        try evaluate(record, now: now) != negated
    }

    private func evaluate(_ record: JSON, now: Double) throws -> Bool {
        let raw = field.values(in: record)
        if case .exists(let expected) = test { return raw.isEmpty != expected }
        guard !raw.isEmpty else { return false }
        let values = caseInsensitive ? raw.map(Self.fold) : raw
        switch test {
        case .exists: return true  // handled above
        case .equals(let expected): return values.contains(expected)
        case .notEquals(let expected): return !values.contains(expected)
        case .oneOf(let list): return values.contains { list.contains($0) }
        case .contains(let needle): return values.contains { $0.string?.contains(needle) ?? false }
        case .startsWith(let prefix): return values.contains { $0.string?.hasPrefix(prefix) ?? false }
        case .after(let bound):
            let limit = bound.resolve(now: now)
            return try values.contains { try Values.time($0, field: field).map { $0 >= limit } ?? false }
        case .before(let bound):
            let limit = bound.resolve(now: now)
            return try values.contains { try Values.time($0, field: field).map { $0 <= limit } ?? false }
        case .equalsField(let other), .notEqualsField(let other):
            let otherRaw = other.values(in: record)
            guard !otherRaw.isEmpty else { return false }
            let same = values == (caseInsensitive ? otherRaw.map(Self.fold) : otherRaw)
            if case .equalsField = test { return same } else { return !same }
        }
    }
}

extension FilterCondition {
    /// The fields the condition reads.
    var fieldsRead: [FieldPath] {
        switch test {
        case .equalsField(let other), .notEqualsField(let other): [field, other]
        default: [field]
        }
    }
}

extension FilterCondition: OptionSchemaDescribing {
    static var optionSchema: JSON { OptionSchema.object }
}
