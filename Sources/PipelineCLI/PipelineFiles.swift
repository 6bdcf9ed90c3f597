import AWS
import Catalog
import Foundation
import Pipeline

/// Finds pipeline files: a path as given, else a bare name (`github`, `github.json`) in the
/// pipelines directory (`$PIPELINES_DIR`, default `./pipelines`).
enum PipelineFiles {
    static var directory: String { ProcessInfo.processInfo.environment["PIPELINES_DIR"] ?? "pipelines" }

    static func resolve(_ name: String, command: String) throws(CLIError) -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: name) { return name }
        let candidates = ["\(directory)/\(name)", "\(directory)/\(name).json"]
        if !name.contains("/"), let found = candidates.first(where: fm.fileExists(atPath:)) { return found }
        let known = list().map { ($0 as NSString).lastPathComponent }
        let hint =
            Suggest.closest(to: name, among: known + known.map { String($0.dropLast(5)) }).map { " (did you mean \($0)?)" } ?? ""
        throw .usage("no pipeline file \"\(name)\" here or in \(directory)/\(hint)", command: command)
    }

    /// The `.json` files of the pipelines directory, sorted.
    static func list() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { "\(directory)/\($0)" }
    }

    /// `--var NAME=VALUE` pairs, then the environment.
    static func variables(_ pairs: [String], command: String) throws(CLIError) -> Variables {
        var overrides: [String: String] = [:]
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw .usage("--var takes NAME=VALUE, got \"\(pair)\"", command: command)
            }
            overrides[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        return Variables(overrides: overrides, environment: ProcessInfo.processInfo.environment)
    }
}

extension PipelineFiles {
    /// The plan of `file` with its unset `${VARIABLES}` and secrets as placeholders, over
    /// `variables`: for commands that read a file's shape (graph, docs, dashboards, monitors),
    /// which need no configuration and fetch no secret.
    static func offlinePlan(_ file: String, over variables: Variables = Variables()) throws(CLIError) -> PipelinePlan {
        var variables = variables
        variables.environment = variables.environment.merging(GraphCommand.placeholders(file)) { current, _ in current }
        variables.secrets = GraphCommand.secretPlaceholders(file)
        let plan: PipelinePlan
        do {
            plan = try PipelineLoader(registry: StageCatalog.registry, variables: variables).load(file: file)
        } catch {
            throw .pipelineFile(error)
        }
        return plan
    }

    /// `offlinePlan`, refused (as `validate` refuses it) when its metric metadata is faulty: what
    /// docs, dashboards and monitors are made of.
    static func describedPlan(_ file: String, over variables: Variables = Variables()) throws(CLIError) -> PipelinePlan {
        let plan = try offlinePlan(file, over: variables)
        let metadata = MetricMetadataCheck.diagnostics(plan)
        guard metadata.isEmpty else { throw .pipelineFile(PipelineFileError(file: file, diagnostics: metadata)) }
        return plan
    }

    /// The file's JSON as written (its tag keys, its description), or null when it does not parse.
    static func document(_ file: String) -> JSON { PipelineLoader.readFile(file).flatMap { try? JSONParser.parse($0) } ?? .null }
}

extension PipelineLoader {
    /// A loader over every registered stage type, with `--var` values over the environment.
    static func forCommand(_ args: Arguments, command: String) throws(CLIError) -> PipelineLoader {
        PipelineLoader(
            registry: StageCatalog.registry, variables: try PipelineFiles.variables(args.values("--var"), command: command))
    }

    /// The plan of `file`; its faults become the command's error (exit 2).
    func plan(_ file: String) throws(CLIError) -> PipelinePlan {
        do {
            return try load(file: file)
        } catch {
            throw .pipelineFile(error)
        }
    }
}

extension PipelineFiles {
    /// The `${secret:…}` values `file` uses, each fetched once from the backend `PIPELINE_SECRETS`
    /// names. A file that does not parse has none here: loading it reports the syntax error.
    /// `deadline`, when given, bounds the requests to the secrets backend.
    static func secrets(in file: String, command: String, deadline: Deadline? = nil) async throws(CLIError) -> SecretValues {
        let references = secretReferences(in: file)
        guard !references.isEmpty else { return SecretValues() }
        let environment = ProcessInfo.processInfo.environment
        let setting: SecretBackendSetting
        do {
            setting = try SecretBackendSetting.parse(environment["PIPELINE_SECRETS"])
        } catch {
            throw .usage(error.description, command: command)
        }
        let http = Version.httpClient(deadline: deadline)
        defer { http.shutdown() }
        let backend: any SecretBackend
        switch setting {
        case .environment: backend = EnvironmentSecrets(environment: environment)
        case .directory(let path): backend = DirectorySecrets(directory: path)
        case .awsSecretsManager:
            do {
                backend = try AWSSecretsManagerSecrets(
                    client: AWSClient(service: "secretsmanager", environment: environment, http: http))
            } catch {
                throw .usage("PIPELINE_SECRETS=aws: \(error)", command: command)
            }
        }
        return await SecretValues.fetch(references, from: backend)
    }

    /// Every `${secret:…}` of `file`; none when it cannot be read or parsed.
    static func secretReferences(in file: String) -> Set<SecretReference> {
        guard let bytes = PipelineLoader.readFile(file), let json = try? JSONParser.parse(bytes) else { return [] }
        return SecretReference.all(in: json)
    }
}
