import FakeGitHub
import Foundation
import Pipeline
import Testing

/// The built binary on hostile pipeline files: every fault is a line naming the file and the JSON
/// path, with exit 2, never a trap; no credential and no 1 MB value is ever repeated.
@Suite("pipeline on hostile files")
struct RobustnessCLITests {
    static let token = "ghp_fuzzTOKEN0123456789abcdef"

    /// A pipeline file in a fresh temporary directory.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a stage defined twice is a fault with its path and exit 2 in validate, run and graph, not a crash")
    func stageDefinedTwice() async throws {
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "repo": {"type": "github_repository", "repository": "a/b"},
              "repo": {"type": "github_repository", "repository": "a/c"},
              "open_prs": {"type": "github_pulls", "inputs": ["repo"]},
              "open_prs": {"type": "github_pulls", "inputs": ["repo"], "state": "closed"},
              "count": {"type": "count", "inputs": ["open_prs"], "metric": "x.y"},
              "out": {"type": "stdout", "inputs": ["count"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for arguments in [["validate", path], ["run", path, "--dry-run"], ["graph", path]] {
            let result = try await CLIRunner.run(arguments)
            #expect(result.exitCode == 2, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("error: \(path): stages.repo: defined twice"), "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("error: \(path): stages.open_prs: defined twice"), "\(arguments[0])")
            #expect(!result.stderr.contains("Fatal error"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("a credential interpolated into a stage name is never echoed by validate")
    func credentialInStageNameNeverEchoed() async throws {
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "repo": {"type": "github_repository", "repository": "a/b"},
              "count": {"type": "count", "inputs": ["${GITHUB_TOKEN}", "${secret:dashboard/key}"], "metric": "x.y"},
              "prs": {"type": "github_pulls", "inputs": ["repo"], "state": "${API_KEY}"},
              "out": {"type": "stdout", "inputs": ["count", "prs"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let secret = "vault-value-9876543210"
        let result = try await CLIRunner.run(
            ["validate", path, "--var", "API_KEY=apikey-0123456789"],
            environment: ["GITHUB_TOKEN": Self.token, "DASHBOARD_KEY": secret])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("stages.count.inputs[0]: unknown stage \"[secret]\""), "\(result.stderr)")
        #expect(result.stderr.contains("stages.count.inputs[1]: unknown stage \"[secret]\""), "\(result.stderr)")
        #expect(result.stderr.contains("stages.prs.state: \"[secret]\""), "\(result.stderr)")
        for value in [Self.token, secret, "apikey-0123456789"] {
            #expect(!result.stderr.contains(value))
            #expect(!result.stdout.contains(value))
        }
    }

    @Test("a 1 MB option value is quoted by its first 80 characters and its size, not whole")
    func longValueCut() async throws {
        let big = String(repeating: "Z", count: 1_000_000)
        let path = try Self.file(
            """
            {"name": "demo", "stages": {
              "repo": {"type": "github_repository", "repository": "\(big)"},
              "prs": {"type": "github_pulls", "inputs": ["repo"], "updated_since": "\(big)"},
              "count": {"type": "count", "inputs": ["prs", "\(big)"], "metric": "x.y"},
              "out": {"type": "stdout", "inputs": ["count"]}
            }}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await CLIRunner.run(["validate", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.utf8.count < 2_000, "\(result.stderr.prefix(500))")
        let quoted = "\"\(big.prefix(80))…\" (1000000 bytes)"
        #expect(result.stderr.contains("stages.repo.repository: \(quoted) is not owner/name"), "\(result.stderr)")
        #expect(result.stderr.contains("stages.prs.updated_since: \(quoted) is not a time span"), "\(result.stderr)")
        #expect(result.stderr.contains("stages.count.inputs[1]: unknown stage \(quoted)"), "\(result.stderr)")
    }

    @Test("fuzzed copies of the shipped pipelines: validate never traps, exits 0 or 2, and names a path for each fault")
    func fuzzedPipelinesNeverTrap() async throws {
        var fuzzer = PipelineFuzzer(seed: 0x5EED_2026)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let originals = try ["github", "ec2", "replay"].map { name in
            try JSONParser.parse(
                Array(try Data(contentsOf: CLIRunner.packageRoot.appendingPathComponent("pipelines/\(name).json"))))
        }
        let fileCount = 300
        let perProcess = 30
        var paths: [String] = []
        for index in 0..<fileCount {
            let path = directory.appendingPathComponent("f\(index).json").path
            try Data(fuzzer.mutated(originals[index % originals.count]).utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let environment = ["GITHUB_REPOSITORY": "octo-org/octo-repo", "EC2_REGIONS": "us-east-1", "GITHUB_TOKEN": Self.token]
        var faults = 0
        var stagesDefinedTwice = 0
        for start in stride(from: 0, to: paths.count, by: perProcess) {
            let batch = Array(paths[start..<min(start + perProcess, paths.count)])
            let result = try await CLIRunner.run(["validate"] + batch, environment: environment)
            let files = "\(batch.first!)…\(batch.last!)"
            #expect(
                result.exitCode == 0 || result.exitCode == 2, "\(files): exit \(result.exitCode): \(result.stderr.prefix(2_000))")
            #expect(!result.stderr.contains(Self.token) && !result.stdout.contains(Self.token), "\(files)")
            let okLines = result.stdout.split(separator: "\n")
            let errorLines = result.stderr.split(separator: "\n")
            faults += errorLines.count
            stagesDefinedTwice +=
                errorLines.filter { $0.range(of: #": stages\.[^.]+: defined "#, options: .regularExpression) != nil }.count
            for line in errorLines {
                #expect(line.utf8.count < 1_000, "\(line.prefix(300))")
                // error: FILE: PATH: message, the path never empty.
                guard let file = batch.first(where: { line.hasPrefix("error: \($0): ") }) else {
                    Issue.record("not a fault line of this batch: \(line.prefix(300))")
                    continue
                }
                let rest = line.dropFirst("error: \(file): ".count)
                let path = rest.components(separatedBy: ": ").first ?? ""
                #expect(!path.isEmpty && rest.count > path.count, "no path: \(line.prefix(300))")
            }
            for file in batch {
                let ok = okLines.contains { $0.hasPrefix("\(file): ok") }
                let faulted = errorLines.contains { $0.hasPrefix("error: \(file): ") }
                #expect(ok != faulted, "\(file): ok \(ok), faulted \(faulted)")
            }
        }
        #expect(faults > fileCount / 2, "the mutations should break most files")
        #expect(stagesDefinedTwice >= 50, "only \(stagesDefinedTwice) stages defined twice: the fuzzer should make many")
    }
}

/// Seeded, deterministic mutations of a pipeline file: keys defined twice, keys and values
/// deleted, values of the wrong type or odd, keys renamed (to a sibling's name, too).
struct PipelineFuzzer {
    /// The same seed gives the same files on every machine.
    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { random.next() }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Raw JSON text spliced in where a string marker stands (JSON values cannot hold them).
    static let raw = ["1e999", "-1e999", "1e-999", "-0", "123456789012345678901234567890"]

    static let oddValues: [JSON] =
        [
            .null, true, false, 0, -1, 2.5, 1e308, 257, "", " ", .string(String(repeating: "w", count: 300)), "${",
            "${NOPE}", "${GITHUB_TOKEN}", "$$", "${secret:", "${secret:nope/none}", "7d", "-7d", "0s",
            .string(String(repeating: "9", count: 400) + "d"), "99999999999999999999w", "a|b", ".", "a..b", "|", "now",
            "1970-01-01T00:00:00Z", "\u{0}é", [], [:], [[]], [nil], ["x": 1],
        ] + raw.map { .string("@@raw:\($0)@@") }

    static let oddKeys = ["", "${GITHUB_TOKEN}", "type", "inputs", "name", "stages", String(repeating: "k", count: 120), "é"]

    mutating func oddValue() -> JSON { pick(Self.oddValues) }

    /// The text of `document` after up to 4 mutations (at least one).
    mutating func mutated(_ document: JSON) -> String {
        var value = document
        var mutations = 1 + below(4)
        // A third of the files name a stage twice (78 of 2,000 fuzzed files trapped on that).
        if below(3) == 0, case .object(var top) = value, let at = top.pairs.firstIndex(where: { $0.key == "stages" }),
            case .object(var stages) = top.pairs[at].value, !stages.pairs.isEmpty
        {
            let i = below(stages.pairs.count)
            stages.pairs.insert((stages.pairs[i].key, pick(stages.pairs).value), at: below(stages.pairs.count + 1))
            top.pairs[at].value = .object(stages)
            value = .object(top)
            mutations -= 1
        }
        for _ in 0..<mutations {
            // The root stays an object: a file that is not one is a fault without a path.
            let next = mutate(value, depth: 0)
            if next.object != nil { value = next }
        }
        var text = ""
        JSON.write(value, to: &text)
        for raw in Self.raw { text = text.replacingOccurrences(of: "\"@@raw:\(raw)@@\"", with: raw) }
        return text
    }

    /// Walks down a random branch, then changes the node it stops at.
    private mutating func mutate(_ value: JSON, depth: Int) -> JSON {
        switch value {
        case .object(var object) where !object.pairs.isEmpty:
            let i = below(object.pairs.count)
            if below(3) > 0, depth < 6, isContainer(object.pairs[i].value) {
                object.pairs[i].value = mutate(object.pairs[i].value, depth: depth + 1)
                return .object(object)
            }
            switch below(6) {
            case 0, 1: object.pairs.insert((object.pairs[i].key, pick(object.pairs).value), at: below(object.pairs.count + 1))
            case 2: object.pairs.remove(at: i)
            case 3: object.pairs[i].value = oddValue()
            case 4: object.pairs[i].key = below(2) == 0 ? pick(object.pairs).key : pick(Self.oddKeys)
            default: object.pairs[i].value = below(2) == 0 ? .array([object.pairs[i].value]) : .object(JSONObject())
            }
            return .object(object)
        case .array(var elements) where !elements.isEmpty:
            let i = below(elements.count)
            if below(3) > 0, depth < 6, isContainer(elements[i]) {
                elements[i] = mutate(elements[i], depth: depth + 1)
                return .array(elements)
            }
            switch below(3) {
            case 0: elements.append(elements[i])
            case 1: elements.remove(at: i)
            default: elements[i] = oddValue()
            }
            return .array(elements)
        case .array:
            return .array([oddValue()])
        default:
            return oddValue()
        }
    }

    private func isContainer(_ value: JSON) -> Bool { value.array != nil || value.object != nil }
}
