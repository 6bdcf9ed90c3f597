/// A fault in an expression: a syntax error found while parsing (with the 1-based column where
/// it was found), or a type error found while evaluating one record (`"a" - 1`).
///
/// Shown as one line, `column 12: expected ")"`; the stage that holds the expression prefixes
/// where it sits (`stages.x.fields.overdue: column 12: expected ")"`).
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based column of the fault in the expression's text; nil once `Expression.evaluate`
    /// has put it in the message beside the expression it names.
    public var column: Int?
    public var message: String

    public init(column: Int? = nil, _ message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { column.map { "column \($0): \(message)" } ?? message }
}
