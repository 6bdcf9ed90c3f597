// fake-wandb: the fake Weights & Biases GraphQL API as a standalone server, for trying
// pipelines/wandb.json by hand.
//
//   fake-wandb [--port N] [--seed N] [--now ISO8601] [--key K] [--latency-ms N] [--old-runs N] [--recent-runs N] [--expected]
//
// Prints exactly one line, the base URL (http://127.0.0.1:PORT, the WANDB_BASE_URL; the API is
// its /graphql), then serves until SIGTERM or SIGINT. With --expected it prints the expected
// metrics of ml-team/vision, ml-team/nlp and ml-team/archive instead and exits. The key (HTTP
// Basic, user "api") defaults to wandb-test-key.

import Dispatch
import FakeWandB
import Foundation
import LoopbackHTTP

struct Options {
    var port: UInt16 = 0
    var seed: UInt64 = 7
    var now = Date().timeIntervalSince1970.rounded(.down)
    var key = FakeWandB.defaultKey
    var latencyMilliseconds = 0
    var oldRuns = 40
    var recentRuns = 60
    var expected = false
}

func usage() -> Never {
    FileHandle.standardError.write(
        Data(
            "usage: fake-wandb [--port N] [--seed N] [--now ISO8601] [--key K] [--latency-ms N] [--old-runs N] [--recent-runs N] [--expected]\n"
                .utf8))
    exit(2)
}

func parse(_ all: [String]) -> Options {
    var options = Options()
    var arguments = all[...]
    func value(_ flag: String) -> String {
        guard let next = arguments.popFirst() else {
            FileHandle.standardError.write(Data("fake-wandb: \(flag) needs a value\n".utf8))
            exit(2)
        }
        return next
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--port":
            guard let port = UInt16(value(argument)) else { usage() }
            options.port = port
        case "--seed":
            guard let seed = UInt64(value(argument)) else { usage() }
            options.seed = seed
        case "--now":
            guard let time = WandBTime.parse(value(argument)) else { usage() }
            options.now = time
        case "--key": options.key = value(argument)
        case "--old-runs":
            guard let count = Int(value(argument)), count >= 0 else { usage() }
            options.oldRuns = count
        case "--recent-runs":
            guard let count = Int(value(argument)), count >= 0 else { usage() }
            options.recentRuns = count
        case "--latency-ms":
            guard let latency = Int(value(argument)), latency >= 0 else { usage() }
            options.latencyMilliseconds = latency
        case "--expected": options.expected = true
        default: usage()
        }
    }
    return options
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
let data = FakeWandBData.scenario(
    now: options.now, seed: options.seed, oldRuns: options.oldRuns, recentRuns: options.recentRuns)
if options.expected {
    for point in data.expectedMetrics(projects: FakeWandBData.defaultProjects) { print(point) }
    exit(0)
}
let fake = try FakeWandB(data: data, apiKey: options.key, port: options.port)
fake.setLatency(milliseconds: options.latencyMilliseconds)
StandaloneServer.run(announcing: fake.baseURL) { fake.stop() }
