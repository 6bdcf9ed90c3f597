import Foundation

/// A GraphQL error as the answer's `errors` carry it.
public struct GraphQLError: Error, Sendable, Equatable {
    public var message: String
    public var line: Int?
    public var column: Int?
    public var path: [String]?

    public init(_ message: String, line: Int? = nil, column: Int? = nil, path: [String]? = nil) {
        self.message = message
        self.line = line
        self.column = column
        self.path = path
    }

    var json: [String: Any] {
        var object: [String: Any] = ["message": message]
        if let line, let column { object["locations"] = [["line": line, "column": column]] }
        if let path { object["path"] = path }
        return object
    }
}

/// The part of W&B's schema the fake serves, its validation (unknown fields and arguments, leaf and
/// object selections, variables) and its execution over `FakeWandBData`.
///
/// ```
/// type Query { project(name: String, entityName: String): Project, viewer: User }
/// type Project { id name entityName: String, runCount(filters: JSONString): Int,
///                runs(filters: JSONString, order: String, first: Int, after: String): RunConnection }
/// type RunConnection { edges: [RunEdge], pageInfo: PageInfo, totalCount: Int }
/// type RunEdge { node: Run, cursor: String }
/// type PageInfo { endCursor startCursor: String, hasNextPage hasPreviousPage: Boolean }
/// type Run { id name displayName state createdAt heartbeatAt summaryMetrics systemMetrics config: String,
///            user: User, runInfo: RunInfo }
/// type User { id username name: String }
/// type RunInfo { gpuCount: Int, gpu: String }
/// ```
public enum FakeWandBSchema {
    /// A field of the schema: its object type (nil for a leaf) and its arguments.
    struct FieldInfo {
        var type: String?
        var arguments: Set<String> = []
    }

    static let types: [String: [String: FieldInfo]] = [
        "Query": [
            "project": FieldInfo(type: "Project", arguments: ["name", "entityName"]),
            "viewer": FieldInfo(type: "User"),
        ],
        "Project": [
            "id": FieldInfo(), "name": FieldInfo(), "entityName": FieldInfo(),
            "runCount": FieldInfo(type: nil, arguments: ["filters"]),
            "runs": FieldInfo(type: "RunConnection", arguments: ["filters", "order", "first", "after"]),
        ],
        "RunConnection": [
            "edges": FieldInfo(type: "RunEdge"), "pageInfo": FieldInfo(type: "PageInfo"), "totalCount": FieldInfo(),
        ],
        "RunEdge": ["node": FieldInfo(type: "Run"), "cursor": FieldInfo()],
        "PageInfo": [
            "endCursor": FieldInfo(), "startCursor": FieldInfo(), "hasNextPage": FieldInfo(), "hasPreviousPage": FieldInfo(),
        ],
        "Run": [
            "id": FieldInfo(), "name": FieldInfo(), "displayName": FieldInfo(), "state": FieldInfo(), "createdAt": FieldInfo(),
            "heartbeatAt": FieldInfo(), "summaryMetrics": FieldInfo(), "systemMetrics": FieldInfo(), "config": FieldInfo(),
            "user": FieldInfo(type: "User"), "runInfo": FieldInfo(type: "RunInfo"),
        ],
        "User": ["id": FieldInfo(), "username": FieldInfo(), "name": FieldInfo()],
        "RunInfo": ["gpuCount": FieldInfo(), "gpu": FieldInfo()],
    ]

    /// Every problem of `query` against the schema (empty when it is valid), as a GraphQL server reports
    /// them before executing anything.
    public static func validate(_ query: GraphQLQuery) -> [GraphQLError] {
        var errors: [GraphQLError] = []
        func visit(_ fields: [GraphQLField], on type: String) {
            for field in fields {
                if field.name == "__typename" {
                    if !field.selections.isEmpty {
                        errors.append(
                            GraphQLError(
                                "Field \"__typename\" must not have a selection since type \"String!\" has no subfields.",
                                line: field.line, column: field.column))
                    }
                    continue
                }
                guard let info = types[type]?[field.name] else {
                    errors.append(
                        GraphQLError(
                            "Cannot query field \"\(field.name)\" on type \"\(type)\".", line: field.line, column: field.column))
                    continue
                }
                for argument in field.arguments.keys.sorted() where !info.arguments.contains(argument) {
                    errors.append(
                        GraphQLError(
                            "Unknown argument \"\(argument)\" on field \"\(type).\(field.name)\".", line: field.line,
                            column: field.column))
                }
                if let object = info.type {
                    if field.selections.isEmpty {
                        errors.append(
                            GraphQLError(
                                "Field \"\(field.name)\" of type \"\(object)\" must have a selection of subfields. Did you mean \"\(field.name) { ... }\"?",
                                line: field.line, column: field.column))
                    }
                    visit(field.selections, on: object)
                } else if !field.selections.isEmpty {
                    errors.append(
                        GraphQLError(
                            "Field \"\(field.name)\" must not have a selection since type \"String\" has no subfields.",
                            line: field.line, column: field.column))
                }
            }
        }
        visit(query.selections, on: "Query")
        let defined = Set(query.variableDefinitions.map(\.name))
        let used = query.usedVariables
        for name in used.subtracting(defined).sorted() {
            errors.append(GraphQLError("Variable \"$\(name)\" is not defined."))
        }
        for name in defined.subtracting(used).sorted() {
            errors.append(GraphQLError("Variable \"$\(name)\" is never used."))
        }
        return errors
    }

    /// The variables' values after coercion: defaults applied, required ones present; throws a request
    /// error for a missing required variable or a value of the wrong kind.
    public static func coerceVariables(_ query: GraphQLQuery, _ given: [String: GraphQLValue]) throws(GraphQLError)
        -> [String: GraphQLValue]
    {
        var values: [String: GraphQLValue] = [:]
        for definition in query.variableDefinitions {
            let value = given[definition.name] ?? definition.defaultValue ?? .null
            if value == .null {
                if definition.type.hasSuffix("!") {
                    throw GraphQLError(
                        given[definition.name] == nil
                            ? "Variable \"$\(definition.name)\" of required type \"\(definition.type)\" was not provided."
                            : "Variable \"$\(definition.name)\" of non-null type \"\(definition.type)\" must not be null.")
                }
                values[definition.name] = .null
                continue
            }
            let base = definition.type.hasSuffix("!") ? String(definition.type.dropLast()) : definition.type
            let fits: Bool =
                switch base {
                case "String", "JSONString", "ID": value.stringValue != nil
                case "Int": value.intValue != nil
                case "Float": value.intValue != nil || { if case .float = value { true } else { false } }()
                case "Boolean": { if case .bool = value { true } else { false } }()
                default: true
                }
            guard fits else {
                throw GraphQLError("Variable \"$\(definition.name)\" got invalid value \(value); \(base) cannot represent it.")
            }
            values[definition.name] = value.intValue.map { base == "Int" ? .int($0) : value } ?? value
        }
        return values
    }

    /// Substitutes variables in an argument value.
    static func resolve(_ value: GraphQLValue?, _ variables: [String: GraphQLValue]) -> GraphQLValue {
        switch value {
        case nil: .null
        case .variable(let name)?: variables[name] ?? .null
        case .list(let items)?: .list(items.map { resolve($0, variables) })
        case .object(let fields)?: .object(fields.mapValues { resolve($0, variables) })
        case let other?: other
        }
    }

    /// Executes a valid query. Returns `data` and field errors; throws a `GraphQLError` that voids the
    /// whole answer (`data: null`): a bad filter, order, cursor or page size, or an argument of the
    /// wrong kind.
    static func execute(
        _ query: GraphQLQuery, variables: [String: GraphQLValue], data: FakeWandBData, maxPageSize: Int,
        failingProjects: [String: String]
    ) throws(GraphQLError) -> (data: [String: Any], errors: [GraphQLError]) {
        var context = Context(
            variables: variables, data: data, maxPageSize: maxPageSize, failingProjects: failingProjects)
        let result = try context.object(query.selections, type: "Query", path: []) { field, path, context throws(GraphQLError) in
            switch field.name {
            case "project":
                let entity = try context.string(field, "entityName")
                let name = try context.string(field, "name")
                let projectPath = "\(entity ?? "")/\(name ?? "")"
                if let message = context.failingProjects[projectPath] {
                    context.errors.append(GraphQLError(message, line: field.line, column: field.column, path: path))
                    return NSNull()
                }
                guard let entity, let name, let project = context.data.project(entity: entity, name: name) else {
                    return NSNull()
                }
                return try context.project(field, project, path: path)
            case "viewer":
                let viewer = context.data.viewer
                return try context.object(field.selections, type: "User", path: path) { field, _, _ in
                    switch field.name {
                    case "id": Data("User:\(viewer.username)".utf8).base64EncodedString()
                    case "username": viewer.username
                    default: viewer.name
                    }
                }
            default: return NSNull()
            }
        }
        return (result, context.errors)
    }

    struct Context {
        var variables: [String: GraphQLValue]
        var data: FakeWandBData
        var maxPageSize: Int
        var failingProjects: [String: String]
        var errors: [GraphQLError] = []

        /// An object's answer: each selected field's value under its response key, `__typename` included.
        mutating func object(
            _ selections: [GraphQLField], type: String, path: [String],
            _ resolve: (GraphQLField, [String], inout Context) throws(GraphQLError) -> Any
        ) throws(GraphQLError) -> [String: Any] {
            var result: [String: Any] = [:]
            for field in selections {
                let fieldPath = path + [field.responseKey]
                result[field.responseKey] = field.name == "__typename" ? type : try resolve(field, fieldPath, &self)
            }
            return result
        }

        func argument(_ field: GraphQLField, _ name: String) -> GraphQLValue {
            FakeWandBSchema.resolve(field.arguments[name], variables)
        }

        func string(_ field: GraphQLField, _ name: String) throws(GraphQLError) -> String? {
            let value = argument(field, name)
            if value == .null { return nil }
            guard let text = value.stringValue else {
                throw GraphQLError(
                    "Argument \"\(name)\" has invalid value \(value): expected a string.", line: field.line, column: field.column)
            }
            return text
        }

        func int(_ field: GraphQLField, _ name: String) throws(GraphQLError) -> Int? {
            let value = argument(field, name)
            if value == .null { return nil }
            guard let number = value.intValue else {
                throw GraphQLError(
                    "Argument \"\(name)\" has invalid value \(value): expected an Int.", line: field.line, column: field.column)
            }
            return number
        }

        func filter(_ field: GraphQLField, path: [String]) throws(GraphQLError) -> RunFilter {
            let text = try string(field, "filters") ?? ""
            do {
                return try RunFilter(json: text)
            } catch {
                throw GraphQLError(error.message, line: field.line, column: field.column, path: path)
            }
        }

        mutating func project(_ field: GraphQLField, _ project: FakeWandBProject, path: [String]) throws(GraphQLError) -> Any {
            try object(field.selections, type: "Project", path: path) { field, path, context throws(GraphQLError) in
                switch field.name {
                case "id": return project.id
                case "name": return project.name
                case "entityName": return project.entity
                case "runCount":
                    let filter = try context.filter(field, path: path)
                    return project.runs.filter(filter.matches).count
                default: return try context.runs(field, project, path: path)
                }
            }
        }

        mutating func runs(_ field: GraphQLField, _ project: FakeWandBProject, path: [String]) throws(GraphQLError) -> Any {
            let filter = try filter(field, path: path)
            var order = RunOrder.default
            if let text = try string(field, "order") {
                guard let parsed = RunOrder(text) else {
                    throw GraphQLError("unsupported order \"\(text)\"", line: field.line, column: field.column, path: path)
                }
                order = parsed
            }
            let requested = try int(field, "first") ?? 50
            guard requested >= 0 else {
                throw GraphQLError(
                    "first must not be negative, got \(requested)", line: field.line, column: field.column, path: path)
            }
            let first = min(requested, maxPageSize)
            let listed = order.sorted(project.runs.filter(filter.matches))
            var start = listed.startIndex
            if let cursor = try string(field, "after") {
                guard let position = order.position(ofCursor: cursor) else {
                    throw GraphQLError("invalid cursor \"\(cursor)\"", line: field.line, column: field.column, path: path)
                }
                start = listed.firstIndex { order.precedes(position, order.position(of: $0)) } ?? listed.endIndex
            }
            let end = min(listed.endIndex, start + first)
            let page = Array(listed[start..<end])
            return try object(field.selections, type: "RunConnection", path: path) { field, path, context throws(GraphQLError) in
                switch field.name {
                case "totalCount": return listed.count
                case "pageInfo":
                    return try context.object(field.selections, type: "PageInfo", path: path) { field, _, _ in
                        switch field.name {
                        case "endCursor": page.last.map { order.cursor(of: $0) as Any } ?? NSNull()
                        case "startCursor": page.first.map { order.cursor(of: $0) as Any } ?? NSNull()
                        case "hasNextPage": end < listed.endIndex
                        default: start > listed.startIndex
                        }
                    }
                default:
                    var edges: [Any] = []
                    for (index, run) in page.enumerated() {
                        edges.append(
                            try context.object(field.selections, type: "RunEdge", path: path + [String(index)]) {
                                field, path, context throws(GraphQLError) in
                                field.name == "cursor"
                                    ? order.cursor(of: run) : try context.run(field.selections, run, path: path)
                            })
                    }
                    return edges
                }
            }
        }

        mutating func run(_ selections: [GraphQLField], _ run: FakeWandBRun, path: [String]) throws(GraphQLError) -> Any {
            try object(selections, type: "Run", path: path) { field, path, context throws(GraphQLError) in
                switch field.name {
                case "id": return run.id
                case "name": return run.name
                case "displayName": return run.displayName
                case "state": return run.state
                case "createdAt": return run.createdAtText
                case "heartbeatAt": return run.heartbeatAtText ?? NSNull()
                case "summaryMetrics": return run.summaryMetricsText
                case "systemMetrics": return run.systemMetricsText
                case "config": return run.configText ?? NSNull()
                case "user":
                    guard let user = run.user else { return NSNull() }
                    return try context.object(field.selections, type: "User", path: path) { field, _, _ in
                        switch field.name {
                        case "id": Data("User:\(user.username)".utf8).base64EncodedString()
                        case "username": user.username
                        default: user.name
                        }
                    }
                default:
                    guard let gpuCount = run.gpuCount else { return NSNull() }
                    return try context.object(field.selections, type: "RunInfo", path: path) { field, _, _ in
                        field.name == "gpuCount" ? gpuCount : (run.gpuName ?? NSNull()) as Any
                    }
                }
            }
        }
    }
}
