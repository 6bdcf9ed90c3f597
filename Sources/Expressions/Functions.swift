import Pipeline

/// Every function of the expression language, in one table: its name, arguments and meaning.
///
/// A null argument gives null unless the table says otherwise; arrays skip their nulls.
///
/// | function | gives |
/// |---|---|
/// | `time(x)` | an ISO 8601 string (date only = midnight UTC; no zone = UTC) or epoch seconds as a time; an unparsable string is an error |
/// | `now`, `today` | the run's clock; its UTC date at 00:00 (no parentheses needed) |
/// | `ago(span)` | now minus a span: `ago("7d")`; a number is seconds |
/// | `days(x)` | seconds as days: `days(now - time(created_at))` |
/// | `min(…)`, `max(…)` | the least / greatest of the arguments, or of one array argument (numbers, strings or times); null when none |
/// | `count(array)` | the number of elements |
/// | `sum(array)` | the sum of the numbers (0 when empty) |
/// | `mean(array)` | their mean (null when empty) |
/// | `any(array, p)`, `all(array, p)` | whether `p` holds for one / every element, `it` being the element |
/// | `first(array, p)` | the first element for which `p` holds, or null |
/// | `filter(array, p)` | the elements for which `p` holds, in order |
/// | `map(array, e)` | `e` of each element (`it`): `sum(map(intervals, at(it, 1) - at(it, 0)))` |
/// | `sort(array, e)` | the elements ordered by `e` of each (numbers, strings or times; nulls last; ties keep their order) |
/// | `len(x)` | the characters of a string, the elements of an array, the keys of an object |
/// | `lower(s)`, `upper(s)` | the string in lower / upper case |
/// | `contains(s, sub)` | whether string `s` contains `sub`, or array `s` an element equal to `sub` |
/// | `json(s)` | the value of a JSON-encoded string (an error when it is not JSON) |
/// | `number(x)` | a number from a number, a numeric string, a boolean (1/0) or a time (epoch seconds); null otherwise |
/// | `string(x)` | text: numbers as in JSON, times in ISO 8601, arrays and objects as JSON |
/// | `split(s, sep)` | the parts of string `s` between each `sep`: `split("ml/vision", "/")` is `["ml", "vision"]` |
/// | `at(array, i)` | element `i` (0 the first, -1 the last), or null past either end |
/// | `values(object, glob)` | the values of the keys matching `glob` (`*` any characters but a dot), in key order; all of them without `glob`; null for null |
/// | `if(c, a, b)` | `a` when `c` is true, else `b` (both are evaluated; null counts as false) |
public struct Function: Sendable {
    public let name: String
    /// How it is called, for `pipeline list`: `time(x)`.
    public let signature: String
    let arity: ClosedRange<Int>
    /// Whether the last argument is a predicate, evaluated per element with `it` bound.
    let takesPredicate: Bool
    /// The body of an ordinary function, given its evaluated arguments and the run's now.
    let body: @Sendable ([Value], Double) throws(ExpressionError) -> Value

    var arityText: String {
        if arity.lowerBound == arity.upperBound {
            return arity.lowerBound == 1 ? "1 argument" : "\(arity.lowerBound) arguments"
        }
        return arity.upperBound == .max
            ? "\(arity.lowerBound) or more arguments" : "\(arity.lowerBound) to \(arity.upperBound) arguments"
    }
}

/// The function table (see `Function`).
public enum Functions {
    public static let all: [Function] = [
        Function(name: "time", signature: "time(x)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            try time(args[0])
        },
        Function(name: "now", signature: "now", arity: 0...0, takesPredicate: false) { _, now in .time(now) },
        Function(name: "today", signature: "today", arity: 0...0, takesPredicate: false) { _, now in
            .time((now / 86_400).rounded(.down) * 86_400)
        },
        Function(name: "ago", signature: "ago(span)", arity: 1...1, takesPredicate: false) { args, now throws(ExpressionError) in
            switch args[0] {
            case .null: return .null
            case .number(let seconds): return .time(now - seconds)
            case .string(let text):
                guard let span = TimeSpan(text) else {
                    throw ExpressionError("ago(): \(Diagnostic.quote(text)) is not a span (7d, 12h, 30m)")
                }
                return .time(now - span.seconds)
            case let other: throw mismatch("ago", "a span or a number", other)
            }
        },
        Function(name: "days", signature: "days(seconds)", arity: 1...1, takesPredicate: false) {
            args, _ throws(ExpressionError) in
            switch args[0] {
            case .null: return .null
            case .number(let seconds): return .number(seconds / 86_400)
            case let other: throw mismatch("days", "a number of seconds", other)
            }
        },
        Function(name: "min", signature: "min(a, b, …) or min(array)", arity: 1...Int.max, takesPredicate: false) {
            args, _ throws(ExpressionError) in try extreme("min", args, -1)
        },
        Function(name: "max", signature: "max(a, b, …) or max(array)", arity: 1...Int.max, takesPredicate: false) {
            args, _ throws(ExpressionError) in try extreme("max", args, 1)
        },
        Function(name: "count", signature: "count(array)", arity: 1...1, takesPredicate: false) {
            args, _ throws(ExpressionError) in
            try array("count", args[0]).map { .number(Double($0.count)) } ?? .null
        },
        Function(name: "sum", signature: "sum(array)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            try numbers("sum", args[0]).map { .number($0.reduce(0, +)) } ?? .null
        },
        Function(name: "mean", signature: "mean(array)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            guard let numbers = try numbers("mean", args[0]), !numbers.isEmpty else { return .null }
            return .number(numbers.reduce(0, +) / Double(numbers.count))
        },
        Function(name: "any", signature: "any(array, predicate)", arity: 2...2, takesPredicate: true) { _, _ in .null },
        Function(name: "all", signature: "all(array, predicate)", arity: 2...2, takesPredicate: true) { _, _ in .null },
        Function(name: "first", signature: "first(array, predicate)", arity: 2...2, takesPredicate: true) { _, _ in .null },
        Function(name: "filter", signature: "filter(array, predicate)", arity: 2...2, takesPredicate: true) { _, _ in .null },
        Function(name: "map", signature: "map(array, expression)", arity: 2...2, takesPredicate: true) { _, _ in .null },
        Function(name: "sort", signature: "sort(array, key)", arity: 2...2, takesPredicate: true) { _, _ in .null },
        Function(name: "len", signature: "len(x)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            switch args[0] {
            case .null: return .null
            case .string(let s): return .number(Double(s.count))
            case .array(let elements): return .number(Double(elements.count))
            case .object(let object): return .number(Double(object.count))
            case let other: throw mismatch("len", "a string, an array or an object", other)
            }
        },
        Function(name: "lower", signature: "lower(s)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            try string("lower", args[0]).map { .string($0.lowercased()) } ?? .null
        },
        Function(name: "upper", signature: "upper(s)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            try string("upper", args[0]).map { .string($0.uppercased()) } ?? .null
        },
        Function(name: "contains", signature: "contains(s, sub)", arity: 2...2, takesPredicate: false) {
            args, _ throws(ExpressionError) in
            switch (args[0], args[1]) {
            case (.null, _), (_, .null): return .null
            case (.string(let s), .string(let sub)): return .bool(s.contains(sub))
            case (.array(let elements), let element): return .bool(elements.contains(element))
            case (.string, let other): throw mismatch("contains", "a string to look for", other)
            case (let other, _): throw mismatch("contains", "a string or an array", other)
            }
        },
        Function(name: "json", signature: "json(s)", arity: 1...1, takesPredicate: false) { args, _ throws(ExpressionError) in
            guard let text = try string("json", args[0]) else { return .null }
            do {
                return Value(try JSONParser.parse(text))
            } catch {
                throw ExpressionError("json(): \(error)")
            }
        },
        Function(name: "number", signature: "number(x)", arity: 1...1, takesPredicate: false) { args, _ in
            switch args[0] {
            case .number(let n): .number(n)
            case .bool(let b): .number(b ? 1 : 0)
            case .time(let t): .number(t)
            case .string(let s): Double(s).flatMap { $0.isFinite ? Value.number($0) : nil } ?? .null
            default: .null
            }
        },
        Function(name: "string", signature: "string(x)", arity: 1...1, takesPredicate: false) { args, _ in
            switch args[0] {
            case .null: .null
            case .string(let s): .string(s)
            case .number(let n): .string(JSON.formatNumber(n))
            case .bool(let b): .string(b ? "true" : "false")
            case .time(let t): .string(Timestamp.format(t))
            case let other: .string(other.json.jsonText)
            }
        },
        Function(name: "split", signature: "split(s, sep)", arity: 2...2, takesPredicate: false) {
            args, _ throws(ExpressionError) in
            guard let text = try string("split", args[0]), let separator = try string("split", args[1]) else { return .null }
            guard !separator.isEmpty else { throw ExpressionError("split(): the separator is empty") }
            return .array(text.components(separatedBy: separator).map { .string($0) })
        },
        Function(name: "at", signature: "at(array, i)", arity: 2...2, takesPredicate: false) { args, _ throws(ExpressionError) in
            guard let elements = try array("at", args[0]) else { return .null }
            guard case .number(let number) = args[1], let index = Int(exactly: number) else {
                throw mismatch("at", "a whole number as the index", args[1])
            }
            let position = index < 0 ? elements.count + index : index
            return elements.indices.contains(position) ? elements[position] : .null
        },
        Function(name: "values", signature: "values(object, glob)", arity: 1...2, takesPredicate: false) {
            args, _ throws(ExpressionError) in
            switch args[0] {
            case .null: return .null
            case .object(let object):
                let glob = args.count == 2 ? try string("values", args[1]).map(KeyGlob.init) : nil
                return .array(object.filter { glob?.matches($0.key) ?? true }.map { Value($0.value) })
            case let other: throw mismatch("values", "an object", other)
            }
        },
        Function(name: "if", signature: "if(c, a, b)", arity: 3...3, takesPredicate: false) { args, _ in
            args[0] == .bool(true) ? args[1] : args[2]
        },
    ]

    static let named: [String: Function] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    static func mismatch(_ function: String, _ expected: String, _ found: Value) -> ExpressionError {
        ExpressionError("\(function)() expects \(expected), found \(found.kindName)")
    }

    static func time(_ value: Value) throws(ExpressionError) -> Value {
        switch value {
        case .null: return .null
        case .time: return value
        case .number(let n): return .time(n)
        case .string(let s):
            guard let t = Timestamp.parse(s) else {
                throw ExpressionError("time(): \(Diagnostic.quote(s)) is not an ISO 8601 time")
            }
            return .time(t)
        default: throw mismatch("time", "an ISO 8601 string or epoch seconds", value)
        }
    }

    static func array(_ function: String, _ value: Value) throws(ExpressionError) -> [Value]? {
        switch value {
        case .null: return nil
        case .array(let elements): return elements
        default: throw mismatch(function, "an array", value)
        }
    }

    static func string(_ function: String, _ value: Value) throws(ExpressionError) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        default: throw mismatch(function, "a string", value)
        }
    }

    static func numbers(_ function: String, _ value: Value) throws(ExpressionError) -> [Double]? {
        guard let elements = try array(function, value) else { return nil }
        var numbers: [Double] = []
        for element in elements {
            switch element {
            case .null: continue
            case .number(let n): numbers.append(n)
            default: throw mismatch(function, "an array of numbers", element)
            }
        }
        return numbers
    }

    static func extreme(
        _ function: String, _ args: [Value], _ wanted: Int
    ) throws(ExpressionError) -> Value {
        var candidates = args
        if args.count == 1 {
            guard let elements = try array(function, args[0]) else { return .null }
            candidates = elements
        }
        var best: Value = .null
        for candidate in candidates where !candidate.isNull {
            guard best != .null else {
                best = candidate
                continue
            }
            guard let order = Value.order(candidate, best) else {
                throw ExpressionError(
                    "\(function)() compares numbers, strings or times of one kind, found \(best.kindName) and \(candidate.kindName)"
                )
            }
            if order == wanted { best = candidate }
        }
        return best
    }
}

extension Value {
    /// -1, 0 or 1 when `a` and `b` are of one orderable kind (numbers, strings, times); nil otherwise.
    static func order(_ a: Value, _ b: Value) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x == y ? 0 : 1 }
        switch (a, b) {
        case (.number(let x), .number(let y)), (.time(let x), .time(let y)): return sign(x, y)
        case (.string(let x), .string(let y)): return sign(x, y)
        default: return nil
        }
    }
}
