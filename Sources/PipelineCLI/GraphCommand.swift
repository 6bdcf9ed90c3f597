import Catalog
import Foundation
import Pipeline

/// `pipeline graph`: the stage graph as Graphviz DOT or Mermaid, for docs and reviews.
enum GraphCommand {
    static let help = """
        Print a pipeline's stage graph.

        usage: pipeline graph FILE|NAME [--format dot|mermaid] [--var NAME=VALUE]…

          --format dot      Graphviz DOT (default): pipeline graph github | dot -Tsvg > github.svg
          --format mermaid  a Mermaid flowchart, for Markdown
        """

    static func main(_ raw: [String]) throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "graph", valued: ["--format", "--var"], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.count == 1 else { throw .usage("graph takes one pipeline file", command: "graph") }
        let format = args.value("--format") ?? "dot"
        guard ["dot", "mermaid"].contains(format) else {
            throw .usage("--format must be dot or mermaid, got \"\(format)\"", command: "graph")
        }
        let file = try PipelineFiles.resolve(args.positionals[0], command: "graph")
        // Drawing needs no credentials: unset variables and secrets become placeholders.
        let plan = try PipelineFiles.offlinePlan(
            file, over: try PipelineFiles.variables(args.values("--var"), command: "graph"))
        print(SecretRedaction.shared.redact(format == "dot" ? dot(plan) : mermaid(plan)), terminator: "")
        return ExitCode.success
    }

    static func dot(_ plan: PipelinePlan) -> String {
        var out = "digraph \"\(plan.name)\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for stage in plan.stages {
            let shape =
                switch stage.kind.role {
                case .source: "cylinder"
                case .transform: "box"
                case .sink: "box3d"
                }
            out += "  \"\(stage.name)\" [label=\"\(stage.name)\\n(\(stage.kind.type))\", shape=\(shape)];\n"
        }
        for stage in plan.stages {
            for input in stage.inputs { out += "  \"\(input)\" -> \"\(stage.name)\";\n" }
        }
        return out + "}\n"
    }

    static func mermaid(_ plan: PipelinePlan) -> String {
        var out = "flowchart LR\n"
        for stage in plan.stages {
            let (open, close) =
                switch stage.kind.role {
                case .source: ("[(", ")]")
                case .transform: ("[", "]")
                case .sink: ("[[", "]]")
                }
            out += "  \(stage.name)\(open)\"\(stage.name)<br/>\(stage.kind.type)\"\(close)\n"
        }
        for stage in plan.stages {
            for input in stage.inputs { out += "  \(input) --> \(stage.name)\n" }
        }
        return out
    }

    /// Every `${NAME}` without a default set to a placeholder, so a graph needs no configuration.
    static func placeholders(_ file: String) -> [String: String] {
        guard let bytes = PipelineLoader.readFile(file) else { return [:] }
        let text = String(decoding: bytes, as: UTF8.self)
        var names: [String: String] = [:]
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            rest = rest[start.upperBound...]
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            let hasDefault = rest.dropFirst(name.count).hasPrefix(":-")
            if !name.isEmpty, !hasDefault { names[String(name)] = placeholder(for: String(name)) }
        }
        return names
    }

    /// A value of the shape the variable's name suggests: a region, a URL, else `example/example`
    /// (an owner/name, an entity/project, a list of one).
    static func placeholder(for name: String) -> String {
        let upper = name.uppercased()
        if upper.hasSuffix("REGION") || upper.hasSuffix("REGIONS") { return "us-east-1" }
        if upper.hasSuffix("URL") || upper.hasSuffix("ENDPOINT") { return "https://example.com" }
        return "example/example"
    }
}

extension GraphCommand {
    /// Every `${secret:…}` of the file with a placeholder value: a graph fetches no secret.
    static func secretPlaceholders(_ file: String) -> SecretValues {
        SecretValues(values: Dictionary(uniqueKeysWithValues: PipelineFiles.secretReferences(in: file).map { ($0, "example") }))
    }
}
