import Pipeline

/// Computes a syntax tree's value for one record.
///
/// - A missing field is null; arithmetic with null is null, so `a ?? b` picks a fallback.
/// - `+` adds numbers, joins strings, and moves a time by seconds; `-` subtracts numbers, gives
///   the seconds between two times, or moves a time back; `*` and `/` take numbers. Division by
///   zero is null (there is no value to record), not an error.
/// - `==`/`!=` compare any two values (a number never equals a string or a time; `null == null`);
///   `< <= > >=` compare two numbers, strings or times, and are false when either side is null.
/// - `and`, `or`, `not` and predicates take booleans, null counting as false; `and`/`or`
///   short-circuit.
/// - Any other mix of kinds (`"a" - 1`), or a result beyond a double's range (`1e308 * 10`, or
///   arithmetic on a record's `1e999`), is an error naming the column of the operator.
struct Evaluator {
    var record: JSON
    var now: Double
    /// The element a predicate is evaluated against (`it`), inside `any`/`all`/`first`.
    var it: Value?

    func evaluate(_ node: Node) throws(ExpressionError) -> Value {
        switch node {
        case .literal(let value): return value
        case .member(let base, let segments): return segments.reduce(try evaluate(base)) { $0.member($1) }
        case .path(let segments, let column): return try resolve(segments, column: column)
        case .unary(let op, let operand, let column):
            let value = try evaluate(operand)
            if op == "not" { return .bool(!(try truth(value, op, column))) }
            switch value {
            case .null: return .null
            case .number(let n): return .number(-n)
            default: throw ExpressionError(column: column, "\"-\" negates a number, found \(value.kindName)")
            }
        case .binary("and", let left, let right, let column):
            guard try truth(try evaluate(left), "and", column) else { return .bool(false) }
            return .bool(try truth(try evaluate(right), "and", column))
        case .binary("or", let left, let right, let column):
            if try truth(try evaluate(left), "or", column) { return .bool(true) }
            return .bool(try truth(try evaluate(right), "or", column))
        case .binary("??", let left, let right, _):
            let value = try evaluate(left)
            return value.isNull ? try evaluate(right) : value
        case .binary(let op, let left, let right, let column):
            return try Self.apply(op, try evaluate(left), try evaluate(right), column: column)
        case .call(let name, let arguments, let column):
            guard let function = Functions.named[name] else { throw ExpressionError(column: column, "unknown function \(name)") }
            if function.takesPredicate { return try predicate(name, arguments, column: column) }
            var values: [Value] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            do {
                return try function.body(values, now)
            } catch {
                throw ExpressionError(column: column, error.message)
            }
        }
    }

    private func resolve(_ segments: [String], column: Int) throws(ExpressionError) -> Value {
        var value: Value
        var rest = segments[...]
        if segments[0] == "it" {
            // The parser accepts `it` inside predicates only.
            guard let it else { throw ExpressionError(column: column, "\"it\" outside a predicate") }
            value = it
            rest = rest.dropFirst()
        } else {
            value = .object(record.object ?? JSONObject())
        }
        for segment in rest { value = value.member(segment) }
        return value
    }

    /// A boolean operand: null counts as false.
    func truth(_ value: Value, _ op: String, _ column: Int) throws(ExpressionError) -> Bool {
        switch value {
        case .bool(let b): return b
        case .null: return false
        default: throw ExpressionError(column: column, "\"\(op)\" takes booleans, found \(value.kindName)")
        }
    }

    /// The functions whose second argument is evaluated per element, `it` bound to it: the
    /// predicates `any`, `all`, `first` and `filter`, and the expressions of `map` and `sort`.
    private func predicate(_ name: String, _ arguments: [Node], column: Int) throws(ExpressionError) -> Value {
        let elements: [Value]
        switch try evaluate(arguments[0]) {
        case .null: return ["first", "filter", "map", "sort"].contains(name) ? .null : .bool(name == "all")
        case .array(let array): elements = array
        case let other: throw ExpressionError(column: column, "\(name)() expects an array, found \(other.kindName)")
        }
        func each(_ element: Value) throws(ExpressionError) -> Value {
            var inner = self
            inner.it = element
            return try inner.evaluate(arguments[1])
        }
        switch name {
        case "map":
            var mapped: [Value] = []
            for element in elements { mapped.append(try each(element)) }
            return .array(mapped)
        case "filter":
            var kept: [Value] = []
            for element in elements where try truth(try each(element), "filter()", column) { kept.append(element) }
            return .array(kept)
        case "sort":
            var keyed: [(key: Value, element: Value)] = []
            for element in elements { keyed.append((try each(element), element)) }
            return .array(try Self.sorted(keyed, column: column))
        default: break
        }
        for element in elements {
            var inner = self
            inner.it = element
            let holds = try truth(try inner.evaluate(arguments[1]), "\(name)()", column)
            switch name {
            case "any" where holds: return .bool(true)
            case "all" where !holds: return .bool(false)
            case "first" where holds: return element
            default: continue
            }
        }
        return name == "first" ? .null : .bool(name == "all")
    }

    /// `keyed` ordered by key, stably; null keys last. Keys of two kinds cannot be ordered.
    private static func sorted(_ keyed: [(key: Value, element: Value)], column: Int) throws(ExpressionError) -> [Value] {
        var failure: ExpressionError?
        let indexed = keyed.enumerated().map { (offset: $0.offset, key: $0.element.key, element: $0.element.element) }
        let ordered = indexed.sorted { a, b in
            switch (a.key.isNull, b.key.isNull) {
            case (true, true): return a.offset < b.offset
            case (true, false): return false
            case (false, true): return true
            case (false, false):
                guard let order = Value.order(a.key, b.key) else {
                    failure =
                        failure
                        ?? ExpressionError(
                            column: column,
                            "sort() orders numbers, strings or times of one kind, found \(a.key.kindName) and \(b.key.kindName)")
                    return a.offset < b.offset
                }
                return order == 0 ? a.offset < b.offset : order < 0
            }
        }
        if let failure { throw failure }
        return ordered.map(\.element)
    }

    static func apply(_ op: String, _ a: Value, _ b: Value, column: Int) throws(ExpressionError) -> Value {
        switch op {
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "<", "<=", ">", ">=":
            if a.isNull || b.isNull { return .bool(false) }
            guard let order = Value.order(a, b) else {
                throw ExpressionError(
                    column: column, "\"\(op)\" compares two numbers, strings or times, found \(a.kindName) and \(b.kindName)")
            }
            switch op {
            case "<": return .bool(order < 0)
            case "<=": return .bool(order <= 0)
            case ">": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        default: break
        }
        if a.isNull || b.isNull { return .null }
        let result = try arithmetic(op, a, b, column: column)
        if case .number(let n) = result, !n.isFinite {
            // A wrong number is worse than none, and JSON cannot hold this one: the stage fails.
            throw ExpressionError(column: column, "\"\(op)\" gives a number beyond the range of a double")
        }
        return result
    }

    private static func arithmetic(_ op: String, _ a: Value, _ b: Value, column: Int) throws(ExpressionError) -> Value {
        switch (op, a, b) {
        case ("+", .number(let x), .number(let y)): return .number(x + y)
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .time(let t), .number(let s)), ("+", .number(let s), .time(let t)): return .time(t + s)
        case ("-", .number(let x), .number(let y)): return .number(x - y)
        case ("-", .time(let x), .time(let y)): return .number(x - y)
        case ("-", .time(let t), .number(let s)): return .time(t - s)
        case ("*", .number(let x), .number(let y)): return .number(x * y)
        case ("/", .number(_), .number(0)): return .null
        case ("/", .number(let x), .number(let y)): return .number(x / y)
        default:
            throw ExpressionError(
                column: column, "\"\(op)\" cannot combine \(a.kindName) and \(b.kindName)\(Self.timeHint(op, a, b))")
        }
    }

    /// A hint when strings meet times, or are subtracted: they were likely meant to be read with `time()`.
    private static func timeHint(_ op: String, _ a: Value, _ b: Value) -> String {
        switch (a, b) {
        case (.string, .time), (.time, .string): "; read times with time(field)"
        case (.string, .string) where op == "-": "; read times with time(field)"
        default: ""
        }
    }
}
