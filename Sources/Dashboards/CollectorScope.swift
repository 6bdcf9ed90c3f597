import Pipeline

/// What every query about one collector filters and splits by, from its pipeline file's `tags`:
/// the fixed ones (`service:github-collector`) pick the collector's points, and the ones set
/// from variables (`env`, `repo` from `${GITHUB_REPOSITORY}`) differ between its deployments,
/// so dashboards offer them as template variables and monitors alert per value.
public struct CollectorScope: Sendable, Equatable {
    /// The pipeline's name: the health metrics are `collector.NAME.*`.
    public var name: String
    /// The tags that select the collector's points (`service:github-collector`).
    public var filter: [String]
    /// Pipeline tag keys set per deployment, `env` excluded (`repo`).
    public var deploymentKeys: [String]

    public init(name: String, filter: [String], deploymentKeys: [String]) {
        self.name = name
        self.filter = filter
        self.deploymentKeys = deploymentKeys
    }

    /// The scope of `plan`, whose file's `tags` object is `fileTags` (values as written, before
    /// `${…}` is resolved): a value with `${` varies per deployment; `service` (else every fixed
    /// tag) is the filter.
    public init(plan: PipelinePlan, fileTags: JSONObject?) {
        var fixed: [String] = []
        var varying: [String] = []
        for pair in fileTags ?? JSONObject() {
            let value = pair.value.string ?? ""
            if value.contains("${") {
                if pair.key != "env" { varying.append(pair.key) }
            } else if !value.isEmpty {
                fixed.append(pair.key)
            }
        }
        let chosen = fixed.contains("service") ? ["service"] : fixed
        let filter = plan.tags.filter { tag in chosen.contains { tag.hasPrefix($0 + ":") } }
        self.init(name: plan.name, filter: filter, deploymentKeys: varying)
    }

    /// A metric's tag keys worth splitting and filtering by (ids that only repeat a name, such
    /// as `project_gid` beside `project`, left out).
    public static func usefulKeys(_ keys: [String]) -> [String] {
        keys.filter { !$0.hasSuffix("_gid") && !$0.hasSuffix("_id") }
    }

    /// `{service:github-collector,$env,$repo}`-style scope text: the filter, then `extra`.
    public func scope(_ extra: [String]) -> String {
        let parts = filter + extra
        return "{" + (parts.isEmpty ? "*" : parts.joined(separator: ",")) + "}"
    }
}
