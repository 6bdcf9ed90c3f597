// fake-github: the fake GitHub API as a standalone server, for CLI tests and benchmarks.
//
//   fake-github [--port N] [--scenario edge|benchmark|big|small] [--delay-ms N] [--now ISO8601]
//               [--token T] [--faults none|flaky] [--rate-limit-remaining N] [--expected]
//
// Prints exactly one line, the API base URL (http://127.0.0.1:PORT), then serves until SIGTERM or
// SIGINT. With --expected it prints the scenario's expected metrics as JSON instead and exits.
// The repository is octo-org/octo-repo.

import Dispatch
import FakeGitHub
import Foundation
import LoopbackHTTP

#if canImport(Glibc)
    import Glibc
#endif

struct Options {
    var port: UInt16 = 0
    var scenario = "edge"
    var delayMilliseconds = 0
    var now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    var token: String?
    var faults = "none"
    var rateLimitRemaining: Int?
    var expected = false
}

let usage = """
    usage: fake-github [--port N (0 = ephemeral)] [--scenario edge|benchmark|big|small] [--delay-ms N]
                       [--now ISO8601] [--token T] [--faults none|flaky] [--rate-limit-remaining N] [--expected]
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fake-github: \(message)\n\(usage)\n".utf8))
    exit(2)
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var remaining = arguments[...]
    func value(_ flag: String) -> String {
        guard let next = remaining.popFirst() else { fail("\(flag) needs a value") }
        return next
    }
    while let argument = remaining.popFirst() {
        switch argument {
        case "--port":
            guard let port = UInt16(value(argument)) else { fail("--port takes 0...65535") }
            options.port = port
        case "--scenario":
            options.scenario = value(argument)
            guard options.scenario == "edge" || BenchmarkScale.named(options.scenario) != nil else {
                fail("unknown scenario \(options.scenario)")
            }
        case "--delay-ms":
            guard let milliseconds = Int(value(argument)), milliseconds >= 0 else { fail("--delay-ms takes N >= 0") }
            options.delayMilliseconds = milliseconds
        case "--now":
            let text = value(argument)
            guard let now = GitHubDate.instant(text) else { fail("--now: not an ISO 8601 time: \(text)") }
            options.now = now
        case "--token":
            options.token = value(argument)
        case "--faults":
            options.faults = value(argument)
            guard ["none", "flaky"].contains(options.faults) else { fail("unknown fault plan \(options.faults)") }
        case "--rate-limit-remaining":
            guard let remaining = Int(value(argument)), (1...5_000).contains(remaining) else {
                fail("--rate-limit-remaining takes 1...5000")
            }
            options.rateLimitRemaining = remaining
        case "--expected":
            options.expected = true
        case "-h", "--help":
            print(usage)
            exit(0)
        default:
            fail("unknown argument \(argument)")
        }
    }
    return options
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
let data =
    BenchmarkScale.named(options.scenario).map { FakeGitHubData.benchmark(now: options.now, scale: $0) }
    ?? FakeGitHubData.edgeCases(now: options.now)

if options.expected {
    let metrics = data.expectedMetrics(now: options.now)
    let json = try JSONSerialization.data(withJSONObject: metrics, options: [.sortedKeys, .prettyPrinted])
    FileHandle.standardOutput.write(json + Data("\n".utf8))
    exit(0)
}

let fake: FakeGitHub
do {
    fake = try FakeGitHub(
        data: data, token: options.token, faults: options.faults == "flaky" ? .flaky : .none,
        delay: .milliseconds(options.delayMilliseconds), port: options.port,
        rateLimitRemaining: options.rateLimitRemaining)
} catch {
    fail("cannot start: \(error)")
}

StandaloneServer.run(announcing: fake.baseURL) { fake.stop() }
