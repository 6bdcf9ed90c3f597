import Foundation

/// Why a `filters` value is refused; the fake answers it as a GraphQL error naming the culprit.
public struct RunFilterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A MongoDB-style run filter, as W&B's `runs(filters:)` takes it (a JSON-encoded string):
///
/// - `{}` matches every run; several keys in one object must all match.
/// - `$and`, `$or`, `$nor`: arrays of filters.
/// - `{"field": value}`: equality; `{"field": {"$op": value, …}}` with `$eq $ne $in $nin $gt $gte $lt
///   $lte $exists`. Any other `$` operator is refused, naming it.
/// - fields: `state`, `name`, `displayName`/`display_name`, `username` (the run's `user.username`),
///   and the times `createdAt`/`created_at`, `heartbeatAt`/`heartbeat_at`, whose operands are ISO 8601
///   texts with or without fraction and zone (no zone = UTC). Any other field is refused.
/// - a null field (`heartbeatAt` of a pending run, `username` of a run without user) equals only null,
///   satisfies `$ne` of any non-null value and `$exists: false`, and no ordering comparison.
public struct RunFilter: Sendable {
    private let node: Node

    /// Fields a filter may name, with their spellings.
    public static let fieldNames: [String: Field] = [
        "state": .state, "name": .name, "displayName": .displayName, "display_name": .displayName,
        "username": .username, "createdAt": .createdAt, "created_at": .createdAt, "heartbeatAt": .heartbeatAt,
        "heartbeat_at": .heartbeatAt,
    ]

    public enum Field: Sendable {
        case state, name, displayName, username, createdAt, heartbeatAt

        var isTime: Bool { self == .createdAt || self == .heartbeatAt }
    }

    indirect enum Node: Sendable {
        case all([Node])
        case any([Node])
        case none([Node])
        case condition(Field, Operator, Operand)
    }

    enum Operator: String, Sendable {
        case eq = "$eq"
        case ne = "$ne"
        case `in` = "$in"
        case nin = "$nin"
        case gt = "$gt"
        case gte = "$gte"
        case lt = "$lt"
        case lte = "$lte"
        case exists = "$exists"
    }

    /// A comparable operand: a time, a text, null, a list (for `$in`), a flag (for `$exists`).
    indirect enum Operand: Sendable, Equatable {
        case time(Double)
        case text(String)
        case null
        case list([Operand])
        case flag(Bool)
    }

    /// Parses `filters`' JSON text; an empty text or `null` matches every run.
    public init(json text: String) throws(RunFilterError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed == "null" {
            node = .all([])
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]) else {
            throw RunFilterError(message: "filters: invalid JSON: \(text)")
        }
        node = try Self.parse(object)
    }

    /// True when `run` satisfies the filter.
    public func matches(_ run: FakeWandBRun) -> Bool { Self.evaluate(node, run) }

    // MARK: Parsing.

    static func parse(_ any: Any) throws(RunFilterError) -> Node {
        guard let object = any as? [String: Any] else {
            throw RunFilterError(message: "filters: a filter must be an object, got \(describe(any))")
        }
        var parts: [Node] = []
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "$and", "$or", "$nor":
                guard let list = value as? [Any] else { throw RunFilterError(message: "filters: \(key) needs an array") }
                var nodes: [Node] = []
                for item in list { nodes.append(try parse(item)) }
                parts.append(key == "$and" ? .all(nodes) : key == "$or" ? .any(nodes) : .none(nodes))
            case let name where name.hasPrefix("$"):
                throw RunFilterError(message: "filters: unknown operator \(name)")
            default:
                guard let field = fieldNames[key] else { throw RunFilterError(message: "filters: unsupported field \(key)") }
                parts.append(contentsOf: try conditions(field, key, value))
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    static func conditions(_ field: Field, _ key: String, _ value: Any) throws(RunFilterError) -> [Node] {
        guard let operators = value as? [String: Any], operators.keys.contains(where: { $0.hasPrefix("$") }) else {
            return [.condition(field, .eq, try operand(field, key, value))]
        }
        var nodes: [Node] = []
        for (name, argument) in operators.sorted(by: { $0.key < $1.key }) {
            guard let op = Operator(rawValue: name) else {
                throw RunFilterError(message: "filters: unknown operator \(name) on field \(key)")
            }
            switch op {
            case .in, .nin:
                guard let list = argument as? [Any] else { throw RunFilterError(message: "filters: \(name) needs an array") }
                var operands: [Operand] = []
                for item in list { operands.append(try operand(field, key, item)) }
                nodes.append(.condition(field, op, .list(operands)))
            case .exists:
                guard let flag = argument as? Bool else { throw RunFilterError(message: "filters: $exists needs true or false") }
                nodes.append(.condition(field, op, .flag(flag)))
            default:
                nodes.append(.condition(field, op, try operand(field, key, argument)))
            }
        }
        return nodes
    }

    static func operand(_ field: Field, _ key: String, _ value: Any) throws(RunFilterError) -> Operand {
        if value is NSNull { return .null }
        guard let text = value as? String else {
            throw RunFilterError(message: "filters: \(key) compares with a string, got \(describe(value))")
        }
        guard field.isTime else { return .text(text) }
        guard let time = WandBTime.parse(text) else {
            throw RunFilterError(message: "filters: \(key): invalid time \"\(text)\"")
        }
        return .time(time)
    }

    static func describe(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
        else { return "\(value)" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    // MARK: Evaluation.

    static func evaluate(_ node: Node, _ run: FakeWandBRun) -> Bool {
        switch node {
        case .all(let nodes): return nodes.allSatisfy { evaluate($0, run) }
        case .any(let nodes): return nodes.contains { evaluate($0, run) }
        case .none(let nodes): return !nodes.contains { evaluate($0, run) }
        case .condition(let field, let op, let operand):
            let value = self.value(field, run)
            switch op {
            case .eq: return value == operand
            case .ne: return value != operand
            case .in: return list(operand).contains(value)
            case .nin: return !list(operand).contains(value)
            case .exists: return (value != .null) == (operand == .flag(true))
            case .gt, .gte, .lt, .lte:
                guard let order = compare(value, operand) else { return false }
                switch op {
                case .gt: return order > 0
                case .gte: return order >= 0
                case .lt: return order < 0
                default: return order <= 0
                }
            }
        }
    }

    static func list(_ operand: Operand) -> [Operand] {
        if case .list(let items) = operand { return items }
        return []
    }

    static func value(_ field: Field, _ run: FakeWandBRun) -> Operand {
        switch field {
        case .state: .text(run.state)
        case .name: .text(run.name)
        case .displayName: .text(run.displayName)
        case .username: run.user.map { .text($0.username) } ?? .null
        case .createdAt: .time(run.createdAt)
        case .heartbeatAt: run.heartbeatAt.map { .time($0) } ?? .null
        }
    }

    /// -1, 0 or 1; nil when the two cannot be ordered (a null on either side).
    static func compare(_ left: Operand, _ right: Operand) -> Int? {
        switch (left, right) {
        case (.time(let a), .time(let b)): a < b ? -1 : a > b ? 1 : 0
        case (.text(let a), .text(let b)): a < b ? -1 : a > b ? 1 : 0
        default: nil
        }
    }
}
