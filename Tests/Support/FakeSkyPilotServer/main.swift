// fake-skypilot: the fake SkyPilot API server as a standalone server, for trying
// pipelines/skypilot.json by hand.
//
//   fake-skypilot [--port N] [--seed N] [--now ISO8601] [--token T] [--latency-ms N] [--expected]
//
// Prints exactly one line, the API base URL (http://127.0.0.1:PORT), then serves until SIGTERM or
// SIGINT. With --expected it prints the expected metrics instead and exits. Without --token no
// authentication is asked for; with it, `Authorization: Bearer T` is (T should start with sky_).

import Dispatch
import FakeSkyPilot
import Foundation
import LoopbackHTTP

struct Options {
    var port: UInt16 = 0
    var seed: UInt64 = 13
    var now = Date().timeIntervalSince1970.rounded(.down)
    var token: String?
    var latency = 0
    var expected = false
}

let usage = "usage: fake-skypilot [--port N] [--seed N] [--now ISO8601] [--token T] [--latency-ms N] [--expected]\n"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fake-skypilot: \(message)\n".utf8))
    exit(2)
}

func parse(_ all: [String]) -> Options {
    var options = Options()
    var arguments = all[...]
    func value(_ flag: String) -> String {
        guard let next = arguments.popFirst() else { fail("\(flag) needs a value") }
        return next
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--port": options.port = UInt16(value(argument)) ?? 0
        case "--seed": options.seed = UInt64(value(argument)) ?? 13
        case "--now":
            let text = value(argument)
            guard let date = ISO8601DateFormatter().date(from: text) else { fail("--now: not ISO 8601: \(text)") }
            options.now = date.timeIntervalSince1970
        case "--token": options.token = value(argument)
        case "--latency-ms":
            guard let latency = Int(value(argument)), latency >= 0 else { fail("--latency-ms needs a number") }
            options.latency = latency
        case "--expected": options.expected = true
        default:
            FileHandle.standardError.write(Data(usage.utf8))
            exit(2)
        }
    }
    return options
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
let data = FakeSkyPilotData.scenario(seed: options.seed, now: options.now)
if options.expected {
    for point in data.expectedMetrics() { print(point) }
    exit(0)
}
let fake = try FakeSkyPilot(data: data, token: options.token, port: options.port, seed: options.seed)
fake.setLatency(.milliseconds(options.latency))
StandaloneServer.run(announcing: fake.baseURL) { fake.stop() }
