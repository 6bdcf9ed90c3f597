import Foundation
import Pipeline
import Sinks

/// `pipeline check-datadog`: is the API key good for the site, before a CronJob finds out at 3 a.m.?
enum CheckDatadogCommand {
    static let help = """
        Check the Datadog API key against its site (GET /api/v1/validate), and the application key
        with it when DD_APP_KEY is set (GET /api/v2/validate_keys).

        usage: pipeline check-datadog [--site SITE] [--url URL]

        The keys come from DD_API_KEY and DD_APP_KEY (optional: the sink then sets metric metadata,
        and dashboard/monitors --apply need it); the site from --site, else DD_SITE, else datadoghq.com
        (us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com,
        ddog-gov.com, uk1.datadoghq.com); --url or DD_URL overrides the whole base URL (proxies, tests).

        exit codes: 0 the key is valid; 1 Datadog rejected it; 2 usage; 3 no answer from Datadog.
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(raw, command: "check-datadog", valued: ["--site", "--url"], boolean: ["--help"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.isEmpty else { throw .usage("check-datadog takes no arguments", command: "check-datadog") }
        let environment = ProcessInfo.processInfo.environment
        let endpoint: DatadogEndpoint
        do {
            endpoint = try DatadogEndpoint.resolve(url: args.value("--url"), site: args.value("--site"), environment: environment)
        } catch {
            throw .usage(error.description, command: "check-datadog")
        }
        let http = Version.httpClient()
        defer { http.shutdown() }
        let client = DatadogClient(endpoint: endpoint, apiKey: environment["DD_API_KEY"] ?? "", http: http)
        if let failed = exitCode(await client.validateKey()) { return failed }
        guard let applicationKey = environment["DD_APP_KEY"], !applicationKey.isEmpty else {
            print("Datadog API key is valid for \(endpoint) (no DD_APP_KEY: metric metadata is not set)")
            return ExitCode.success
        }
        if let failed = exitCode(await client.validateApplicationKey(applicationKey)) { return failed }
        print("Datadog API key and application key are valid for \(endpoint)")
        return ExitCode.success
    }

    /// nil when the key is good; otherwise the error is printed and this is the exit code
    /// (1 Datadog rejected it, 3 no verdict).
    private static func exitCode(_ validation: DatadogClient.KeyValidation) -> Int32? {
        switch validation {
        case .ok:
            return nil
        case .invalid(let message):
            printError("error: \(message)")
            return ExitCode.stageFailed
        case .error(let message):
            printError("error: \(message)")
            return ExitCode.sinkFailed
        }
    }
}
