import HTTP
import Pipeline

/// One element of a parsed XML document: what AWS's Query APIs (EC2, STS) answer with.
///
/// Lookups go by local name (namespace prefixes stripped) and never depend on element order.
public struct XMLElement: Sendable, Equatable {
    /// The local name: `ec2:item` is `item`.
    public var name: String
    /// Attributes by local name; namespace declarations keep their `xmlns` / `xmlns:p` names.
    public var attributes: [String: String]
    public var children: [XMLElement]
    /// The character data directly inside this element (not its children's), entities decoded,
    /// CDATA included, whitespace kept.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child called `name`.
    public func first(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every child called `name`, in document order.
    public func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The text of the first child called `name`.
    public func value(_ name: String) -> String? { first(name)?.text }

    /// The first element called `name` at any depth (this one included), depth first.
    public func descendant(_ name: String) -> XMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.descendant(name) { return found }
        }
        return nil
    }
}
