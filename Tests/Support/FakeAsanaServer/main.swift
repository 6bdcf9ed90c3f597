// fake-asana: the fake Asana API as a standalone server, for trying pipelines/asana.json by hand.
//
//   fake-asana [--port N] [--seed N] [--now ISO8601] [--token T] [--delay-ms N] [--expected]
//
// Prints exactly one line, the API base URL (http://127.0.0.1:PORT), then serves until SIGTERM or
// SIGINT. With --expected it prints the expected metrics of projects 1001,1002,1003 instead and
// exits. The token defaults to asana-test-token.

import Dispatch
import FakeAsana
import Foundation
import LoopbackHTTP

struct Options {
    var port: UInt16 = 0
    var seed: UInt64 = 13
    var now = Date().timeIntervalSince1970.rounded(.down)
    var token = "asana-test-token"
    var delayMilliseconds = 0
    var expected = false
}

func parse(_ all: [String]) -> Options {
    var options = Options()
    var arguments = all[...]
    func value(_ flag: String) -> String {
        guard let next = arguments.popFirst() else {
            FileHandle.standardError.write(Data("fake-asana: \(flag) needs a value\n".utf8))
            exit(2)
        }
        return next
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--port": options.port = UInt16(value(argument)) ?? 0
        case "--seed": options.seed = UInt64(value(argument)) ?? 13
        case "--now":
            guard let date = ISO8601DateFormatter().date(from: value(argument)) else { exit(2) }
            options.now = date.timeIntervalSince1970
        case "--token": options.token = value(argument)
        case "--delay-ms": options.delayMilliseconds = max(0, Int(value(argument)) ?? 0)
        case "--expected": options.expected = true
        default:
            FileHandle.standardError.write(
                Data("usage: fake-asana [--port N] [--seed N] [--now ISO8601] [--token T] [--delay-ms N] [--expected]\n".utf8))
            exit(2)
        }
    }
    return options
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
let data = FakeAsanaData.generated(seed: options.seed, now: options.now)
if options.expected {
    for point in data.expectedMetrics(projects: data.projects.map(\.gid)) { print(point) }
    exit(0)
}
let fake = try FakeAsana(
    data: data, token: options.token, delay: .milliseconds(options.delayMilliseconds), port: options.port)
StandaloneServer.run(announcing: fake.baseURL) { fake.stop() }
