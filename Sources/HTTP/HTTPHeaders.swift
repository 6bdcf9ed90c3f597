import Pipeline

/// Response header fields in the order received, looked up case-insensitively.
///
/// A list rather than a dictionary: fields may repeat (`Link`, `Set-Cookie`) and responses
/// carry a few dozen at most, so a linear scan is cheap.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The field's value; repeated fields are joined with ", " as RFC 9110 allows. Nil if absent.
    public subscript(name: String) -> String? {
        let found = values(name)
        switch found.count {
        case 0: return nil
        case 1: return found[0]
        default: return found.joined(separator: ", ")
        }
    }

    /// Every value of the field, in the order received.
    public func values(_ name: String) -> [String] {
        fields.compactMap { Self.namesMatch($0.name, name) ? $0.value : nil }
    }

    public mutating func add(name: String, value: String) { fields.append((name: name, value: value)) }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// ASCII case-insensitive comparison (header names are ASCII tokens).
    public static func namesMatch(_ a: String, _ b: String) -> Bool {
        let x = a.utf8
        let y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lp = (p >= 65 && p <= 90) ? p + 32 : p
            let lq = (q >= 65 && q <= 90) ? q + 32 : q
            if lp != lq { return false }
        }
        return true
    }
}
