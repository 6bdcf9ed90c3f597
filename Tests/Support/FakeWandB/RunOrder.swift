import Foundation

/// The order of `runs(order:)`, and the opaque cursors that mark a position in it.
///
/// Orders: `+created_at`, `-created_at`, `+heartbeat_at`, `-heartbeat_at`, also spelled `createdAt`,
/// `heartbeatAt`, and without the sign (ascending). Ties are broken by run id in the same direction, so
/// the order is total; a null `heartbeatAt` sorts before every time. A cursor is base64 of
/// `v1|ORDER|SORT VALUE|ID` — the position of a run, not an offset — so a page after a cursor is right
/// even if runs were added or removed before it.
public struct RunOrder: Sendable, Equatable {
    public enum Key: String, Sendable {
        case createdAt = "created_at"
        case heartbeatAt = "heartbeat_at"
    }

    public var key: Key
    public var descending: Bool

    public static let `default` = RunOrder(key: .createdAt, descending: false)

    public init(key: Key, descending: Bool) {
        self.key = key
        self.descending = descending
    }

    /// Parses an `order` argument; nil when it is not one of the supported orders.
    public init?(_ text: String) {
        var body = Substring(text)
        var descending = false
        if let sign = body.first, sign == "+" || sign == "-" {
            descending = sign == "-"
            body = body.dropFirst()
        }
        switch body {
        case "created_at", "createdAt": key = .createdAt
        case "heartbeat_at", "heartbeatAt": key = .heartbeatAt
        default: return nil
        }
        self.descending = descending
    }

    /// The canonical spelling, e.g. `-created_at`.
    public var text: String { (descending ? "-" : "+") + key.rawValue }

    /// A run's position in this order: its sort value (nil for a null heartbeat) and id.
    public struct Position: Sendable, Equatable {
        public var value: Double?
        public var id: String
    }

    public func position(of run: FakeWandBRun) -> Position {
        Position(value: key == .createdAt ? run.createdAt : run.heartbeatAt, id: run.id)
    }

    /// True when `a` comes before `b` in this order.
    public func precedes(_ a: Position, _ b: Position) -> Bool {
        let ascending: Bool
        if a.value != b.value {
            switch (a.value, b.value) {
            case (nil, _): ascending = true
            case (_, nil): ascending = false
            case (let x?, let y?): ascending = x < y
            }
        } else if a.id != b.id {
            ascending = a.id < b.id
        } else {
            return false
        }
        return ascending != descending
    }

    /// `runs` sorted in this order.
    public func sorted(_ runs: [FakeWandBRun]) -> [FakeWandBRun] {
        runs.sorted { precedes(position(of: $0), position(of: $1)) }
    }

    /// The cursor of `run` in this order.
    public func cursor(of run: FakeWandBRun) -> String {
        let position = position(of: run)
        let value = position.value.map { String($0.bitPattern, radix: 16) } ?? "null"
        return Data("v1|\(text)|\(value)|\(position.id)".utf8).base64EncodedString()
    }

    /// The position a cursor of this order marks; nil for anything else (garbage, another order's cursor).
    public func position(ofCursor cursor: String) -> Position? {
        guard let data = Data(base64Encoded: cursor) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", parts[1] == text, !parts[3].isEmpty else { return nil }
        if parts[2] == "null" { return Position(value: nil, id: String(parts[3])) }
        guard let bits = UInt64(parts[2], radix: 16) else { return nil }
        return Position(value: Double(bitPattern: bits), id: String(parts[3]))
    }
}
