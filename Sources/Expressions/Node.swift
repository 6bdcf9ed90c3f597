/// The syntax tree of an expression; operators, paths and calls keep their column, for evaluation faults.
indirect enum Node: Sendable {
    case literal(Value)
    /// A field path from the record, or from `it` inside a predicate (`it.name`).
    case path([String], column: Int)
    case unary(String, Node, column: Int)
    case binary(String, Node, Node, column: Int)
    case call(String, [Node], column: Int)
    /// Members of a computed value: `first(tags, it.n > 1).name`.
    case member(Node, [String])
}

extension Node {
    /// The record paths the node reads; paths from `it` are relative to an array already read.
    func paths(into found: inout [[String]]) {
        switch self {
        case .literal: break
        case .path(let segments, _):
            if segments[0] != "it" { found.append(segments) }
        case .unary(_, let operand, _), .member(let operand, _): operand.paths(into: &found)
        case .binary(_, let left, let right, _):
            left.paths(into: &found)
            right.paths(into: &found)
        case .call(_, let arguments, _):
            for argument in arguments { argument.paths(into: &found) }
        }
    }
}
