import Expressions
import Pipeline
import Testing

/// Parses and evaluates expressions at a fixed clock, for the tests.
enum Evaluate {
    /// The run's clock in every test: 2026-11-23T12:00:00Z.
    static let now = Timestamp.parse("2026-11-23T12:00:00Z")!
    static let day = 86_400.0

    static func value(_ text: String, _ record: JSON = [:], now: Double = Evaluate.now) throws -> Value {
        try Expression(text).evaluate(record, now: now)
    }

    /// The parse fault of `text`, nil when it parses.
    static func parseError(_ text: String) -> ExpressionError? {
        do {
            _ = try Expression(text)
            return nil
        } catch {
            return error
        }
    }

    /// The evaluation fault of `text` over `record`, nil when it evaluates.
    static func evaluationError(_ text: String, _ record: JSON = [:]) -> ExpressionError? {
        do {
            _ = try Expression(text).evaluate(record, now: now)
            return nil
        } catch {
            return error
        }
    }
}
