import Pipeline

/// An expression of the pipeline language, parsed once and evaluated per record: a derived field
/// of `map`, or the `where` of `filter`.
///
///     not completed and (due_at != null and time(due_at) < now or due_on != null and time(due_on) < today)
///     runtime ?? summary._wandb.runtime ?? (time(heartbeatAt) - time(createdAt))
///     any(tags, it.name == "blocked")
///
/// The grammar is in `Parser`, the meaning of operators in `Evaluator`, the functions in
/// `Functions`. In options it is written as a string; a syntax error is an option fault at its
/// path (`stages.x.fields.overdue: column 12: expected ")"`).
public struct Expression: Sendable, Decodable, CustomStringConvertible {
    /// The expression as written.
    public let text: String
    /// Where it sits in the stage's options (`fields.overdue`), for evaluation faults.
    public var location: String
    let root: Node

    /// Parses `text`; `location` names where it sits, for evaluation faults.
    public init(_ text: String, location: String = "expression") throws(ExpressionError) {
        self.text = text
        self.location = location
        self.root = try Parser.parse(text)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        var location = ""
        for key in decoder.codingPath {
            if let index = key.intValue {
                location += "[\(index)]"
            } else {
                location += (location.isEmpty ? "" : ".") + key.stringValue
            }
        }
        do {
            try self.init(text, location: location.isEmpty ? "expression" : location)
        } catch {
            throw optionFailure(decoder.codingPath, error.description)
        }
    }

    public var description: String { text }

    /// The record fields it reads, as paths from the record's root; inside a predicate, `it.…` is
    /// part of the array already listed.
    public var fieldsRead: [FieldPath] {
        var found: [[String]] = []
        root.paths(into: &found)
        var seen = Set<String>()
        return found.compactMap { segments in
            let text = segments.joined(separator: ".")
            guard seen.insert(text).inserted else { return nil }
            return FieldPath(text)
        }
    }

    /// The expression's value for `record`, `now` being the run's clock (epoch seconds).
    /// A type fault names the expression: `fields.age: "now - created_at": column 5: …`.
    public func evaluate(_ record: JSON, now: Double) throws(ExpressionError) -> Value {
        do {
            return try Evaluator(record: record, now: now).evaluate(root)
        } catch {
            throw ExpressionError("\(location): \(Diagnostic.quote(text)): \(error.description)")
        }
    }

    /// Whether the record passes, as a condition: true passes; false and null do not; any other
    /// value is a fault.
    public func holds(for record: JSON, now: Double) throws(ExpressionError) -> Bool {
        switch try evaluate(record, now: now) {
        case .bool(let b): return b
        case .null: return false
        case let other:
            throw ExpressionError(
                "\(location): \(Diagnostic.quote(text)): a condition gives a boolean, this gives \(other.kindName)")
        }
    }
}

extension Expression: OptionSchemaDescribing {
    public static var optionSchema: JSON { ["type": "string", "description": "an expression, such as status == \"open\""] }
}
