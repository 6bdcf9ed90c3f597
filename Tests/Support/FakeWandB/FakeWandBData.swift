import FakeGitHub
import Foundation

/// A W&B user as a run's `user { username name }` shows it.
public struct FakeWandBUser: Sendable, Equatable {
    public var username: String
    public var name: String

    public init(username: String, name: String) {
        self.username = username
        self.name = name
    }
}

/// One run. Times are epoch seconds, kept to whole eighths of a second so that every ISO 8601 text
/// the fake writes parses back to exactly the same number. `summaryMetrics`, `systemMetrics` and
/// `config` are rendered as W&B sends them: JSON-encoded strings.
public struct FakeWandBRun: Sendable {
    /// W&B's opaque id (base64 of `Run:v1:NAME:PROJECT:ENTITY`).
    public var id: String
    /// The run id of URLs, e.g. `3kx9a1bz`.
    public var name: String
    public var displayName: String
    /// running, finished, failed, crashed, killed, preempted or pending.
    public var state: String
    public var createdAt: Double
    /// nil for a run that never sent a heartbeat (a pending run).
    public var heartbeatAt: Double?
    /// How `createdAt` and `heartbeatAt` are written in answers.
    public var timeStyle: WandBTime.Style
    public var user: FakeWandBUser?
    /// nil: the run has no `runInfo` (answered as null; its GPU count is 0).
    public var gpuCount: Int?
    public var gpuName: String?
    /// `summaryMetrics._wandb.runtime`, seconds.
    public var wandbRuntime: Int?
    /// `summaryMetrics._runtime`, seconds.
    public var underscoreRuntime: Double?
    /// `systemMetrics["system.gpu.N.gpu"]` for N = 0, 1, …; empty when the run sends none.
    public var gpuUtilization: [Double]
    public var config: [String: Int]?

    public init(
        id: String, name: String, displayName: String, state: String, createdAt: Double, heartbeatAt: Double?,
        timeStyle: WandBTime.Style = .plain, user: FakeWandBUser?, gpuCount: Int?, gpuName: String? = nil,
        wandbRuntime: Int? = nil, underscoreRuntime: Double? = nil, gpuUtilization: [Double] = [],
        config: [String: Int]? = nil
    ) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.state = state
        self.createdAt = createdAt
        self.heartbeatAt = heartbeatAt
        self.timeStyle = timeStyle
        self.user = user
        self.gpuCount = gpuCount
        self.gpuName = gpuName
        self.wandbRuntime = wandbRuntime
        self.underscoreRuntime = underscoreRuntime
        self.gpuUtilization = gpuUtilization
        self.config = config
    }

    public var createdAtText: String { WandBTime.format(createdAt, style: timeStyle) }
    public var heartbeatAtText: String? { heartbeatAt.map { WandBTime.format($0, style: timeStyle) } }

    /// `summaryMetrics` as W&B sends it: a JSON object encoded as a string.
    public var summaryMetricsText: String {
        var object: [String: Any] = ["loss": 0.25, "_step": 100]
        if let wandbRuntime { object["_wandb"] = ["runtime": wandbRuntime] }
        if let underscoreRuntime { object["_runtime"] = underscoreRuntime }
        return FakeWandBData.jsonText(object)
    }

    /// `systemMetrics` as a JSON string: keys with dots (`system.gpu.0.gpu`), GPU memory and CPU beside
    /// the utilization, so a reader must pick `system.gpu.N.gpu` exactly.
    public var systemMetricsText: String {
        var object: [String: Any] = ["system.cpu": 20.5, "system.memory": 31]
        for (index, value) in gpuUtilization.enumerated() {
            object["system.gpu.\(index).gpu"] = value
            object["system.gpu.\(index).memory"] = 40
            object["system.gpu.\(index).temp"] = 61
            // W&B also reports the run's own process per GPU: not the GPU's utilization.
            object["system.gpu.process.\(index).gpu"] = 99
        }
        return FakeWandBData.jsonText(object)
    }

    public var configText: String? { config.map { FakeWandBData.jsonText($0.mapValues { ["value": $0] }) } }
}

/// One W&B project and its runs.
public struct FakeWandBProject: Sendable {
    public var entity: String
    public var name: String
    public var runs: [FakeWandBRun]

    public init(entity: String, name: String, runs: [FakeWandBRun]) {
        self.entity = entity
        self.name = name
        self.runs = runs
    }

    /// `entity/project`, as `WANDB_PROJECTS` lists it and the `project:` tag carries it.
    public var path: String { "\(entity)/\(name)" }
    /// W&B's opaque project id.
    public var id: String { Data("Project:v1:\(name):\(entity)".utf8).base64EncodedString() }
}

/// The fake W&B's data: projects of runs, and the `now` they were generated around.
public struct FakeWandBData: Sendable {
    public var now: Double
    public var projects: [FakeWandBProject]
    public var viewer: FakeWandBUser

    public static let minute = 60.0
    public static let hour = 3_600.0
    public static let day = 86_400.0

    public init(
        now: Double, projects: [FakeWandBProject], viewer: FakeWandBUser = FakeWandBUser(username: "ci-bot", name: "CI Bot")
    ) {
        self.now = now
        self.projects = projects
        self.viewer = viewer
    }

    /// The project `entity/name`, if there is one.
    public func project(entity: String, name: String) -> FakeWandBProject? {
        projects.first { $0.entity == entity && $0.name == name }
    }

    /// The three projects every scenario has, by path.
    public static let defaultProjects = ["ml-team/vision", "ml-team/nlp", "ml-team/archive"]

    /// The seeded scenario around `now` (rounded down to a whole second):
    ///
    /// - `ml-team/vision`: about 20 hand-written runs covering every case the metrics distinguish (see
    ///   `edgeRuns`), `recentRuns` random runs created in the last six days (every state), and `oldRuns`
    ///   runs that ended long before W.
    /// - `ml-team/nlp`: a dozen random recent runs and a few old ones, from its own random stream.
    /// - `ml-team/archive`: an old project, 12 runs that all ended months ago (its counts are 0, and its
    ///   percentiles and GPU mean are not emitted).
    public static func scenario(now rawNow: Double, seed: UInt64 = 7, oldRuns: Int = 40, recentRuns: Int = 60) -> FakeWandBData {
        let now = rawNow.rounded(.down)
        var random = SeededGenerator(seed: seed)
        var vision = Builder(entity: "ml-team", project: "vision", now: now)
        vision.edgeRuns()
        for _ in 0..<recentRuns { vision.recentRun(&random) }
        for _ in 0..<oldRuns { vision.oldRun(&random) }
        var nlpRandom = SeededGenerator(seed: seed &+ 1)
        var nlp = Builder(entity: "ml-team", project: "nlp", now: now)
        for _ in 0..<12 { nlp.recentRun(&nlpRandom) }
        for _ in 0..<5 { nlp.oldRun(&nlpRandom) }
        var archiveRandom = SeededGenerator(seed: seed &+ 2)
        var archive = Builder(entity: "ml-team", project: "archive", now: now)
        for _ in 0..<12 { archive.oldRun(&archiveRandom) }
        return FakeWandBData(now: now, projects: [vision.finish(), nlp.finish(), archive.finish()])
    }

    public static let users = [
        FakeWandBUser(username: "alice", name: "Alice Martin"),
        FakeWandBUser(username: "bob", name: "Bob Chen"),
        FakeWandBUser(username: "carol", name: "Carol Diaz"),
        FakeWandBUser(username: "dave", name: "Dave Okafor"),
        FakeWandBUser(username: "erin", name: "Erin Kowalski"),
    ]

    static func jsonText(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Builds one project's runs; run names are unique within the scenario (a counter per project).
    struct Builder {
        let entity: String
        let project: String
        let now: Double
        var runs: [FakeWandBRun] = []

        init(entity: String, project: String, now: Double) {
            self.entity = entity
            self.project = project
            self.now = now
        }

        func finish() -> FakeWandBProject { FakeWandBProject(entity: entity, name: project, runs: runs) }

        static let adjectives = ["swift", "quiet", "bright", "misty", "bold", "calm", "eager", "fancy"]
        static let nouns = ["river", "forest", "sun", "moon", "field", "wave", "star", "cloud"]

        /// Adds a run; returns its index. `name` is a 8-character id derived from the project and counter.
        @discardableResult
        mutating func add(
            _ state: String, created: Double, heartbeat: Double?, style: WandBTime.Style = .plain,
            user: FakeWandBUser?, gpus: Int?, util: [Double] = [], wandbRuntime: Int? = nil,
            underscoreRuntime: Double? = nil
        ) -> Int {
            let number = runs.count
            var hash: UInt64 = 1_469_598_103_934_665_603
            for byte in "\(entity)/\(project)/\(number)".utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
            var name = ""
            for _ in 0..<8 {
                name.append(alphabet[Int(hash % 36)])
                hash /= 36
            }
            let displayName =
                "\(Self.adjectives[number % 8])-\(Self.nouns[(number / 8) % 8])-\(number + 1)"
            let id = Data("Run:v1:\(name):\(project):\(entity)".utf8).base64EncodedString()
            let fractional = style != .plain
            let created = fractional ? created : created.rounded(.down)
            let heartbeat = fractional ? heartbeat : heartbeat?.rounded(.down)
            runs.append(
                FakeWandBRun(
                    id: id, name: name, displayName: displayName, state: state, createdAt: created, heartbeatAt: heartbeat,
                    timeStyle: style, user: user, gpuCount: gpus, gpuName: gpus.map { $0 > 0 ? "NVIDIA A100-SXM4-80GB" : "" },
                    wandbRuntime: wandbRuntime, underscoreRuntime: underscoreRuntime, gpuUtilization: util,
                    config: number % 3 == 0 ? ["lr": 3, "batch_size": 64] : nil))
            return number
        }

        /// The hand-written cases, relative to now (m = minute, h = hour, d = day).
        mutating func edgeRuns() {
            let (m, h, d) = (FakeWandBData.minute, FakeWandBData.hour, FakeWandBData.day)
            let u = FakeWandBData.users
            // Running, fresh heartbeat, 4 GPUs all reporting; created 3 h ago.
            add("running", created: now - 3 * h, heartbeat: now - 2 * m, user: u[0], gpus: 4, util: [87.5, 90, 60, 75.5])
            // Running, stale heartbeat (2 h old), 2 GPUs; fractional times.
            add(
                "running", created: now - 26 * h - 0.5, heartbeat: now - 2 * h + 0.25, style: .millis, user: u[1], gpus: 2,
                util: [12.5, 30])
            // Running since before W (10 days), still heartbeating, 8 GPUs: its GPU hours are clipped to W.
            add(
                "running", created: now - 10 * d, heartbeat: now - 1 * m, style: .zulu, user: u[2], gpus: 8,
                util: Array(repeating: 99, count: 8))
            // Running exactly 30 min since its heartbeat: not stale (stale is more than 30 minutes).
            add("running", created: now - 5 * h, heartbeat: now - 30 * m, user: u[3], gpus: 1, util: [50])
            // Running with a GPU count but no GPU utilization keys in systemMetrics.
            add("running", created: now - 4 * h, heartbeat: now - 5 * m, user: u[0], gpus: 2)
            // Running without runInfo (GPU count 0) and without a user.
            add("running", created: now - 90 * m, heartbeat: now - 3 * m, user: nil, gpus: nil)
            // Running, stale for days, created 9 days ago: still counted as running.
            add("running", created: now - 9 * d, heartbeat: now - 3 * d, style: .micros, user: u[4], gpus: 3, util: [10, 20, 30])
            // Pending: no heartbeat yet, no runInfo.
            add("pending", created: now - 5 * m, heartbeat: nil, user: u[1], gpus: nil)
            // Ended in W, each runtime source.
            add("finished", created: now - 2 * d, heartbeat: now - 2 * d + 3 * h, user: u[0], gpus: 2, wandbRuntime: 10_700)
            add(
                "finished", created: now - 3 * d, heartbeat: now - 3 * d + 90 * m, user: u[1], gpus: 1, underscoreRuntime: 5_390.5
            )
            add("failed", created: now - 1 * d - 0.125, heartbeat: now - 20 * h + 0.375, style: .millis, user: u[2], gpus: nil)
            add(
                "crashed", created: now - 4 * d, heartbeat: now - 4 * d + 7 * h, style: .zulu, user: nil, gpus: 4,
                wandbRuntime: 25_100)
            add("killed", created: now - 6 * d, heartbeat: now - 6 * d + 2 * h, user: u[3], gpus: 1, underscoreRuntime: 7_100)
            add("preempted", created: now - 5 * d, heartbeat: now - 5 * d + 4 * h, user: u[4], gpus: 2, wandbRuntime: 14_300)
            // Created before W, ended in W: counted as finished, its GPU hours only from W's start.
            add("finished", created: now - 9 * d, heartbeat: now - 5 * d, user: u[2], gpus: 2, wandbRuntime: 345_000)
            // Ended exactly at W's start (W is inclusive); created exactly at W's start.
            add("failed", created: now - 8 * d, heartbeat: now - 7 * d, user: u[3], gpus: 1, underscoreRuntime: 86_000)
            add("finished", created: now - 7 * d, heartbeat: now - 7 * d + 1 * h, user: u[0], gpus: nil, wandbRuntime: 3_500)
            // Ended just before W: not counted.
            add("finished", created: now - 8 * d, heartbeat: now - 7 * d - 1, user: u[1], gpus: 2, wandbRuntime: 80_000)
            // A pending run created before W that never heartbeated, and a crashed run from months ago.
            add("pending", created: now - 20 * d, heartbeat: nil, user: nil, gpus: 1)
            add("crashed", created: now - 100 * d, heartbeat: now - 99 * d, style: .zulu, user: u[4], gpus: 8)
        }

        /// A run created in the last six days, in any state.
        mutating func recentRun(_ random: inout SeededGenerator) {
            let (m, d) = (FakeWandBData.minute, FakeWandBData.day)
            let states = ["running", "finished", "finished", "finished", "failed", "crashed", "killed", "preempted", "pending"]
            let state = states[Self.int(&random, 0...(states.count - 1))]
            let style: WandBTime.Style = [.plain, .plain, .plain, .millis, .micros, .zulu][Self.int(&random, 0...5)]
            let eighths = style == .plain ? 0 : Double(Self.int(&random, 0...7)) / 8
            let created = now - Double(Self.int(&random, 10...Int(6 * d / m))) * m + Double(Self.int(&random, 0...59)) + eighths
            let user: FakeWandBUser? = Self.int(&random, 0...9) == 0 ? nil : FakeWandBData.users[Self.int(&random, 0...4)]
            let gpus: Int? = Self.int(&random, 0...4) == 0 ? nil : Self.int(&random, 0...8)
            var heartbeat: Double?
            var util: [Double] = []
            var wandbRuntime: Int?
            var underscoreRuntime: Double?
            switch state {
            case "pending": heartbeat = nil
            case "running":
                // Fresh most of the time, stale (up to 5 h) sometimes.
                let age = Self.int(&random, 0...3) == 0 ? Self.int(&random, 31...300) : Self.int(&random, 0...29)
                heartbeat = max(created, now - Double(age) * m)
                if let gpus, gpus > 0, Self.int(&random, 0...3) != 0 {
                    util = (0..<gpus).map { _ in Double(Self.int(&random, 0...200)) / 2 }
                }
            default:
                let length = Double(Self.int(&random, 1...(20 * 60))) * m
                heartbeat = min(now - 1 * m - eighths, created + length)
                let elapsed = heartbeat! - created
                switch Self.int(&random, 0...2) {
                case 0: wandbRuntime = Int(elapsed) - Self.int(&random, 0...30)
                case 1: underscoreRuntime = (elapsed - Double(Self.int(&random, 0...30))).rounded(.down) + 0.5
                default: break
                }
            }
            add(
                state, created: created, heartbeat: heartbeat, style: style, user: user, gpus: gpus, util: util,
                wandbRuntime: wandbRuntime, underscoreRuntime: underscoreRuntime)
        }

        /// A run that ended (or stopped heartbeating) long before W: created 30 to 400 days ago.
        mutating func oldRun(_ random: inout SeededGenerator) {
            let (m, d) = (FakeWandBData.minute, FakeWandBData.day)
            let states = ["finished", "finished", "failed", "crashed", "killed"]
            let state = states[Self.int(&random, 0...(states.count - 1))]
            let created = now - Double(Self.int(&random, 30...400)) * d - Double(Self.int(&random, 0...1_439)) * m
            let heartbeat = created + Double(Self.int(&random, 1...(48 * 60))) * m
            let user: FakeWandBUser? = Self.int(&random, 0...9) == 0 ? nil : FakeWandBData.users[Self.int(&random, 0...4)]
            let gpus: Int? = Self.int(&random, 0...3) == 0 ? nil : Self.int(&random, 1...8)
            let runtime = Int(heartbeat - created) - Self.int(&random, 0...30)
            let hasRuntime = Self.int(&random, 0...2)
            add(
                state, created: created, heartbeat: heartbeat, user: user, gpus: gpus,
                wandbRuntime: hasRuntime == 0 ? runtime : nil, underscoreRuntime: hasRuntime == 1 ? Double(runtime) + 0.5 : nil)
        }

        static func int(_ random: inout SeededGenerator, _ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(random.next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
    }
}
