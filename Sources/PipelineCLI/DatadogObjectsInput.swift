import Catalog
import Dashboards
import Foundation
import HTTP
import Pipeline
import Sinks

/// What `pipeline dashboard` and `pipeline monitors` generate from: the pipeline's plan, loaded
/// without any environment (unset `${VARIABLES}` and secrets become placeholders, as for
/// `graph`: only tag keys matter, never values), refused when its metric metadata is faulty.
struct DatadogObjectsInput {
    var file: String
    var plan: PipelinePlan
    var scope: CollectorScope

    static func load(_ name: String, variables pairs: [String], command: String) throws(CLIError) -> DatadogObjectsInput {
        let file = try PipelineFiles.resolve(name, command: command)
        let plan = try PipelineFiles.describedPlan(file, over: try PipelineFiles.variables(pairs, command: command))
        let tags = PipelineFiles.document(file)["tags"]?.object
        return DatadogObjectsInput(file: file, plan: plan, scope: CollectorScope(plan: plan, fileTags: tags))
    }

    /// The Datadog API of `--apply`: site or URL as for the sink, both keys from the environment.
    static func api(_ args: Arguments, command: String, http: HTTPClient) throws(CLIError) -> DatadogAPI {
        let environment = ProcessInfo.processInfo.environment
        let endpoint: DatadogEndpoint
        do {
            endpoint = try DatadogEndpoint.resolve(url: args.value("--url"), site: args.value("--site"), environment: environment)
        } catch {
            throw .usage(error.description, command: command)
        }
        let apiKey = environment["DD_API_KEY"] ?? ""
        let applicationKey = environment["DD_APP_KEY"] ?? ""
        let missing = [apiKey.isEmpty ? "DD_API_KEY" : nil, applicationKey.isEmpty ? "DD_APP_KEY" : nil].compactMap { $0 }
        guard missing.isEmpty else {
            throw .usage(
                "--apply needs \(missing.joined(separator: " and ")) (an API key and an application key)", command: command)
        }
        return DatadogAPI(endpoint: endpoint, apiKey: apiKey, applicationKey: applicationKey, http: http)
    }

    /// Prints each outcome, one line each.
    static func report(_ applied: [DatadogObjects.Applied]) {
        for object in applied { print(object.description) }
    }
}
