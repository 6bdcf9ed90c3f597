/// Every stage type a pipeline file may name, keyed by `type`.
public struct StageRegistry: Sendable {
    public private(set) var kinds: [String: StageKind] = [:]

    public init(_ kinds: [StageKind]) {
        for kind in kinds {
            precondition(self.kinds[kind.type] == nil, "stage type \(kind.type) registered twice")
            self.kinds[kind.type] = kind
        }
    }

    public subscript(type: String) -> StageKind? { kinds[type] }

    /// Stage types sorted by role, then name.
    public var sorted: [StageKind] {
        kinds.values.sorted { ($0.role.order, $0.type) < ($1.role.order, $1.type) }
    }
}

extension StageKind.Role {
    var order: Int {
        switch self {
        case .source: 0
        case .transform: 1
        case .sink: 2
        }
    }
}
