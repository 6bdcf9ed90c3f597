import Catalog
import Pipeline

/// `pipeline list`: the stage types a pipeline file may use, with their options, and the
/// pipeline files found.
enum ListCommand {
    static let help = """
        List stage types with their options, and the pipeline files in ./pipelines ($PIPELINES_DIR).

        usage: pipeline list
        """

    static func main(_ raw: [String]) throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "list", valued: [], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        var out = "Stage types:\n"
        var role: StageKind.Role?
        for kind in StageCatalog.registry.sorted {
            if kind.role != role {
                role = kind.role
                out += "\n  \(kind.role.rawValue)s\n"
            }
            let flow = [kind.reads.map { "reads \($0.rawValue)" }, kind.writes.map { "writes \($0.rawValue)" }]
                .compactMap { $0 }.joined(separator: ", ")
            out += "    \(kind.type) — \(kind.summary) (\(flow))\n"
            let names = kind.optionNames
            out += "      options: \(names.isEmpty ? "none" : names.joined(separator: ", "))\n"
            for name in names {
                if let doc = kind.optionDocs[name] { out += "        \(name): \(doc)\n" }
            }
            out += "      example: \(kind.example.jsonText)\n"
        }
        out += "\nPipelines in \(PipelineFiles.directory)/:\n"
        let files = PipelineFiles.list()
        out += files.isEmpty ? "  (none)\n" : files.map { "  \($0)\n" }.joined()
        print(out, terminator: "")
        return ExitCode.success
    }
}
