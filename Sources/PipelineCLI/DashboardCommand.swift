import Dashboards
import Foundation
import Pipeline

/// `pipeline dashboard NAME`: the collector's Datadog dashboard, printed or applied.
enum DashboardCommand {
    static let help = """
        Print a collector's Datadog dashboard (the JSON body of POST /api/v1/dashboard), made from
        its pipeline file: one group per metric group, a widget per metric with its unit, template
        variables for env and the collector's tags, and a "Collector health" group (run duration,
        metrics sent, errors, failed runs). Nothing leaves the machine without --apply.

        usage: pipeline dashboard FILE|NAME [--apply [--site SITE] [--url URL]] [--var NAME=VALUE]…

          --apply      create the dashboard in Datadog, or update the one made before (found by the
                       marker in its description, never by title); unchanged when it already matches.
                       Needs DD_API_KEY and DD_APP_KEY; the site from --site, DD_SITE or datadoghq.com;
                       --url or DD_URL overrides the base URL. Prints created/updated/unchanged.

        exit codes: 0 done; 1 Datadog refused or could not be reached; 2 usage or a faulty pipeline file.
        """

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(
            raw, command: "dashboard", valued: ["--var", "--site", "--url"], boolean: ["--help", "--apply"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.count == 1 else { throw .usage("dashboard takes one pipeline", command: "dashboard") }
        let input = try DatadogObjectsInput.load(args.positionals[0], variables: args.values("--var"), command: "dashboard")
        let dashboard = DashboardBuilder(plan: input.plan, scope: input.scope).dashboard()
        guard args.has("--apply") else {
            print(PrettyJSON.text(dashboard), terminator: "")
            return ExitCode.success
        }
        let http = Version.httpClient()
        defer { http.shutdown() }
        let api = try DatadogObjectsInput.api(args, command: "dashboard", http: http)
        do {
            let applied = try await DatadogObjects(api: api).apply(dashboard: dashboard, name: input.plan.name)
            DatadogObjectsInput.report([applied])
            return ExitCode.success
        } catch {
            printError("error: \(error)")
            return ExitCode.stageFailed
        }
    }
}
