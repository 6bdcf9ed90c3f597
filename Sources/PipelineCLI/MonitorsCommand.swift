import Dashboards
import Foundation
import Pipeline

/// `pipeline monitors NAME`: the collector's Datadog monitors, printed or applied.
enum MonitorsCommand {
    static let help = """
        Print a collector's Datadog monitors (a JSON array of POST /api/v1/monitor bodies): not
        reporting (no metrics in three schedule intervals, or no data), errors (error_count above 0
        in two intervals), slow (a run above 80% of activeDeadlineSeconds; warning at 60%), each per
        env and deployment tag and scaled to the collector's schedule in the chart's values; plus one
        per metric whose stage declares a "monitor". Nothing leaves the machine without --apply.

        usage: pipeline monitors FILE|NAME [--values FILE] [--apply [--site SITE] [--url URL]]
                                 [--var NAME=VALUE]…

          --values FILE  the chart values with collectors.NAME.schedule and activeDeadlineSeconds
                         (default: charts/collector-cronjobs/values.yaml)
          --apply        create or update the monitors in Datadog: each is found by its tags
                         (pipeline:NAME, pipeline-monitor:KEY), never by title, and left alone when it
                         already matches. Needs DD_API_KEY and DD_APP_KEY; the site from --site,
                         DD_SITE or datadoghq.com; --url or DD_URL overrides the base URL.

        exit codes: 0 done; 1 Datadog refused or could not be reached; 2 usage, a faulty pipeline
        file, or no schedule for the collector.
        """

    static let defaultValues = "charts/collector-cronjobs/values.yaml"

    static func main(_ raw: [String]) async throws(CLIError) -> Int32 {
        let args = try Arguments(
            raw, command: "monitors", valued: ["--var", "--site", "--url", "--values"], boolean: ["--help", "--apply"])
        if args.has("--help") {
            print(help)
            return ExitCode.success
        }
        guard args.positionals.count == 1 else { throw .usage("monitors takes one pipeline", command: "monitors") }
        let input = try DatadogObjectsInput.load(args.positionals[0], variables: args.values("--var"), command: "monitors")
        let valuesPath = args.value("--values") ?? defaultValues
        guard let data = FileManager.default.contents(atPath: valuesPath) else {
            throw .usage("cannot read the chart values \(valuesPath) (--values FILE)", command: "monitors")
        }
        let schedule: CollectorSchedule
        do {
            schedule = try CollectorSchedule.read(
                collector: input.plan.name, valuesText: String(decoding: data, as: UTF8.self), path: valuesPath)
        } catch {
            throw .usage(error.description, command: "monitors")
        }
        let monitors = MonitorBuilder(plan: input.plan, scope: input.scope, schedule: schedule).monitors()
        guard args.has("--apply") else {
            print(PrettyJSON.text(.array(monitors)), terminator: "")
            return ExitCode.success
        }
        let http = Version.httpClient()
        defer { http.shutdown() }
        let api = try DatadogObjectsInput.api(args, command: "monitors", http: http)
        do {
            DatadogObjectsInput.report(try await DatadogObjects(api: api).apply(monitors: monitors, name: input.plan.name))
            return ExitCode.success
        } catch {
            printError("error: \(error)")
            return ExitCode.stageFailed
        }
    }
}
