/// The rules a pipeline's metric metadata keeps, enforced by `pipeline validate` (and by the
/// commands that generate docs, dashboards and monitors from it): every metric has a one-line
/// description (the stage's `description`) and a unit Datadog knows, and a key emitted by two
/// stages means the same in both. (Metric names are checked when each stage is built.)
public enum MetricMetadataCheck {
    /// The faults, each at the path of the option to fix.
    public static func diagnostics(_ plan: PipelinePlan) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var seen: [String: MetricDeclaration] = [:]
        for stage in plan.stages {
            guard let first = stage.metrics.first else { continue }
            let path = ["stages", stage.name]
            let description = stage.description ?? ""
            if description.trimmingCharacters(in: .whitespaces).isEmpty {
                diagnostics.append(
                    Diagnostic(
                        path: path + ["description"],
                        message: "\(first.name) needs a description: one line saying what it counts (it becomes its "
                            + "Datadog description and its row in docs/METRICS.md)"))
            } else if description.contains("\n") {
                diagnostics.append(Diagnostic(path: path + ["description"], message: "a metric's description is one line"))
            }
            switch first.unit {
            case nil:
                diagnostics.append(
                    Diagnostic(
                        path: path + ["unit"],
                        message: "\(first.name) needs a unit Datadog knows, e.g. \"item\", \"second\", \"dollar\""))
            case let unit? where !DatadogUnit.all.contains(unit):
                let suggestion =
                    Suggest.closest(to: unit, among: DatadogUnit.all.sorted()).map { " (did you mean \"\($0)\"?)" } ?? ""
                diagnostics.append(
                    Diagnostic(
                        path: path + ["unit"],
                        message: "\"\(unit)\" is not a Datadog unit\(suggestion); see docs.datadoghq.com/metrics/units"))
            default: break
            }
            for metric in stage.metrics {
                if let other = seen[metric.name], other.unit != metric.unit || other.description != metric.description {
                    let what = other.unit != metric.unit ? "unit" : "description"
                    diagnostics.append(
                        Diagnostic(
                            path: path + ["metric"],
                            message: "\(metric.name) is also emitted by stage \(other.stage) with another \(what): one key, "
                                + "one meaning (name this one differently, or state the same \(what))"))
                } else if seen[metric.name] == nil {
                    seen[metric.name] = metric
                }
            }
        }
        return diagnostics
    }
}
