/// A path into a record, written in pipeline files as `commit.author.email`.
///
/// - A segment that meets an array applies to each element, so `files.filename` yields every
///   file name of a commit; a numeric segment (`labels.0.name`) indexes instead.
/// - `a.b|c.d` lists alternatives: the first that gives a non-null value wins (the author
///   identity of a commit is `author.login|commit.author.email`).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public let alternatives: [[String]]
    public let description: String

    public init?(_ text: String) {
        let alternatives = text.split(separator: "|", omittingEmptySubsequences: false).map {
            $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        }
        for path in alternatives where path.isEmpty || path.contains(where: \.isEmpty) { return nil }
        self.alternatives = alternatives
        self.description = text
    }

    /// Every value the path reaches (arrays flattened), from the first alternative that reaches any.
    public func values(in record: JSON) -> [JSON] {
        for path in alternatives {
            var found: [JSON] = []
            FieldPath.collect(record, path[...], into: &found)
            found.removeAll(where: \.isNull)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// The single value the path reaches, or nil when it reaches none (or only null).
    public func value(in record: JSON) -> JSON? {
        for path in alternatives {
            var current = record
            var ok = true
            for segment in path {
                switch current {
                case .object(let object):
                    guard let next = object[segment] else {
                        ok = false
                        break
                    }
                    current = next
                case .array(let elements):
                    guard let index = Int(segment), elements.indices.contains(index) else {
                        ok = false
                        break
                    }
                    current = elements[index]
                default:
                    ok = false
                }
                if !ok { break }
            }
            if ok, !current.isNull { return current }
        }
        return nil
    }

    private static func collect(_ value: JSON, _ path: ArraySlice<String>, into found: inout [JSON]) {
        guard let segment = path.first else {
            if case .array(let elements) = value { found.append(contentsOf: elements) } else { found.append(value) }
            return
        }
        switch value {
        case .object(let object):
            if let next = object[segment] { collect(next, path.dropFirst(), into: &found) }
        case .array(let elements):
            if let index = Int(segment) {
                if elements.indices.contains(index) { collect(elements[index], path.dropFirst(), into: &found) }
            } else {
                for element in elements { collect(element, path, into: &found) }
            }
        default:
            return
        }
    }
}
