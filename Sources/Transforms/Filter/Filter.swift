import Expressions
import Pipeline

/// `filter`: keeps the records that match its conditions.
///
/// ```json
/// {"type": "filter", "inputs": ["commits_in_window"],
///  "where": [{"field": "commit.message", "contains": "hotfix"}]}
/// {"type": "filter", "inputs": ["pulls"],
///  "where": [{"field": "closed_at", "after": "7d"}, {"field": "merged_at", "is_null": true}]}
/// {"type": "filter", "inputs": ["runs"],
///  "any": [{"field": "conclusion", "in": ["failure", "timed_out"]}, {"field": "name", "starts_with": "nightly", "case_insensitive": true}]}
/// {"type": "filter", "inputs": ["tasks"],
///  "where": "not completed and due_at != null and time(due_at) < now"}
/// ```
/// Options: `where` (conditions that must all hold, or an expression that must be true),
/// `any` (conditions of which at least one must hold), `negate` (keep the records that do not
/// match instead; default false). At least one of `where` and `any` is required; given both,
/// both apply. Each condition is described in `FilterCondition`; an expression (the language of
/// `Expression`) passes a record when it is true, and drops it when false or null.
struct FilterTransform: BatchTransform {
    struct Options: Decodable, Sendable {
        var all: [FilterCondition]
        var any: [FilterCondition]
        /// `where` written as an expression rather than a list of conditions.
        var expression: Expression?
        var negate: Bool

        init(from decoder: any Decoder) throws {
            let options = try OptionReader(decoder)
            let all: [FilterCondition]?
            if case .string? = try options.optional("where", as: JSON.self) {
                self.expression = try options.required("where", as: Expression.self)
                all = nil
            } else {
                self.expression = nil
                all = try options.optional("where")
            }
            let any: [FilterCondition]? = try options.optional("any")
            self.negate = try options.optional("negate") ?? false
            guard all != nil || any != nil || expression != nil else {
                throw options.failure(
                    nil, "a filter needs conditions: \"where\" (all must hold) or \"any\" (one must hold)")
            }
            if all?.isEmpty == true { throw options.failure("where", "list at least one condition") }
            if any?.isEmpty == true { throw options.failure("any", "list at least one condition") }
            self.all = all ?? []
            self.any = any ?? []
        }
    }

    static let kind = StageKind.batch(
        "filter", summary: "records matching conditions on their fields", options: Options.self,
        example: [
            "where": [["field": "commit.message", "contains": "hotfix"]],
            "any": [["field": "author.login", "exists": true], ["field": "commit.author.email", "exists": true]],
            "negate": false,
        ], fieldsRead: { .fields(($0.all + $0.any).flatMap(\.fieldsRead) + ($0.expression?.fieldsRead ?? [])) },
        optionDocs: [
            "where": "conditions that must all hold, or an expression that must be true (default: none)",
            "any": "conditions of which one must hold (default: none)",
            "negate": "keep the records that do not match instead (default false)",
        ]
    ) { FilterTransform(options: $0) }

    let options: Options

    func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
        for item in batch {
            guard case .record(let record) = item else {
                output.append(item)
                continue
            }
            if try matches(record, now: context.run.now) != options.negate { output.append(item) }
        }
    }

    func matches(_ record: JSON, now: Double) throws -> Bool {
        try options.all.allSatisfy { try $0.holds(in: record, now: now) }
            && (try options.expression?.holds(for: record, now: now) ?? true)
            && (options.any.isEmpty || options.any.contains { try $0.holds(in: record, now: now) })
    }
}
