import Catalog
import Foundation
import Pipeline

/// `pipeline docs`: the metric reference, from the pipeline files (`MetricReference`).
enum DocsCommand {
    static let help = """
        Write the metric reference from the pipeline files: one section per collector, one row per
        metric key (type, unit, tags, description), then the health metrics. Every file's metric
        metadata must be complete (as pipeline validate checks); no variable or secret is needed.

        usage: pipeline docs [FILE|NAME…] [--output FILE]

          FILE|NAME…     the collectors, in this order (default: every file in pipelines/ with metrics)
          --output FILE  write it there (docs/METRICS.md in this repository) instead of stdout
        """

    static func main(_ raw: [String]) throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "docs", valued: ["--output"], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        let names = args.positionals.isEmpty ? PipelineFiles.list() : args.positionals
        var collectors: [MetricReference.Collector] = []
        for name in names {
            let file = try PipelineFiles.resolve(name, command: "docs")
            // No environment: the reference depends on the file alone, not on the machine's configuration.
            let plan = try PipelineFiles.describedPlan(file)
            // A file without metrics (replay) has no section, unless named.
            guard !plan.metrics.isEmpty || !args.positionals.isEmpty else { continue }
            let document = PipelineFiles.document(file)
            collectors.append(
                MetricReference.Collector(
                    file: "pipelines/" + (file as NSString).lastPathComponent, plan: plan,
                    description: document["description"]?.string, tagKeys: document["tags"]?.object?.keys ?? []))
        }
        let text = MetricReference.document(collectors)
        guard let output = args.value("--output") else {
            print(text, terminator: "")
            return ExitCode.success
        }
        do {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw .usage("cannot write \(output): \(error.localizedDescription)", command: "docs")
        }
        return ExitCode.success
    }

}
