/// A `${secret:NAME}` or `${secret:NAME#key}` reference in a pipeline file.
///
/// `NAME` is the secret's name in the backend (`github/dashboard-token`); `#key` picks one key
/// of a secret whose value is a JSON object (`datadog/keys#api_key`).
public struct SecretReference: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var key: String?

    /// The text after `secret:`; nil when the name is empty.
    public init?(_ text: String) {
        let parts = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { return nil }
        self.name = String(name)
        if parts.count == 2 {
            guard !parts[1].isEmpty else { return nil }
            key = String(parts[1])
        } else {
            key = nil
        }
    }

    public var description: String { key.map { "\(name)#\($0)" } ?? name }

    /// Every `${secret:…}` reference in the string values of `value` (a whole pipeline file).
    public static func all(in value: JSON) -> Set<SecretReference> {
        switch value {
        case .string(let text): return references(in: text)
        case .array(let elements): return elements.reduce(into: []) { $0.formUnion(all(in: $1)) }
        case .object(let object): return object.pairs.reduce(into: []) { $0.formUnion(all(in: $1.value)) }
        default: return []
        }
    }

    /// The references in one string: `${secret:` up to the next `}`.
    static func references(in text: String) -> Set<SecretReference> {
        var found: Set<SecretReference> = []
        var rest = Substring(text)
        while let start = rest.range(of: "${secret:") {
            let after = rest[start.upperBound...]
            guard let close = after.firstIndex(of: "}") else { break }
            if let reference = SecretReference(String(after[..<close])) { found.insert(reference) }
            rest = after[after.index(after: close)...]
        }
        return found
    }
}
