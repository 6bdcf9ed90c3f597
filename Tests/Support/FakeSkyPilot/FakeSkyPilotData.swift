/// One row of the managed-jobs queue: one task of a job (`/jobs/queue/v2` lists one row per task).
/// Times are epoch seconds with fractions, as the real server's; `nil` is JSON null.
public struct FakeSkyPilotJobRow: Sendable {
    public var jobID: Int
    public var taskID: Int
    public var jobName: String
    public var taskName: String
    /// One of `FakeSkyPilotData.jobStatuses`.
    public var status: String
    /// Null while the task is PENDING (and for tasks rejected before launch), as on a real server.
    public var submittedAt: Double?
    public var startAt: Double?
    public var endAt: Double?
    /// Seconds.
    public var jobDuration: Double
    public var userName: String?
    public var userHash: String
    public var isJobGroup: Bool = false
    /// Null outside job groups; false for a job group's auxiliary tasks.
    public var isPrimaryInJobGroup: Bool?
    public var region: String = "us-east-1"

    public init(
        jobID: Int, taskID: Int, jobName: String, taskName: String, status: String, submittedAt: Double?,
        startAt: Double?, endAt: Double?, jobDuration: Double, userName: String?, userHash: String,
        isJobGroup: Bool = false, isPrimaryInJobGroup: Bool? = nil, region: String = "us-east-1"
    ) {
        self.jobID = jobID
        self.taskID = taskID
        self.jobName = jobName
        self.taskName = taskName
        self.status = status
        self.submittedAt = submittedAt
        self.startAt = startAt
        self.endAt = endAt
        self.jobDuration = jobDuration
        self.userName = userName
        self.userHash = userHash
        self.isJobGroup = isJobGroup
        self.isPrimaryInJobGroup = isPrimaryInJobGroup
        self.region = region
    }
}

/// One cluster as `POST /status` lists it.
public struct FakeSkyPilotCluster: Sendable {
    public var name: String
    /// Epoch seconds (an integer on the wire).
    public var launchedAt: Int
    /// `INIT`, `UP`, `STOPPED` or `AUTOSTOPPING`.
    public var status: String
    /// Minutes of idleness before autostop; -1 when autostop is off.
    public var autostop: Int
    /// Managed clusters are those of the jobs controller and of managed jobs.
    public var isManaged: Bool
    public var nodes: Int
    public var userName: String?
    public var userHash: String
    /// `nil` for CPU clusters (the key is then left out, as on a real server).
    public var accelerators: String?

    public init(
        name: String, launchedAt: Int, status: String, autostop: Int, isManaged: Bool, nodes: Int, userName: String?,
        userHash: String, accelerators: String? = nil
    ) {
        self.name = name
        self.launchedAt = launchedAt
        self.status = status
        self.autostop = autostop
        self.isManaged = isManaged
        self.nodes = nodes
        self.userName = userName
        self.userHash = userHash
        self.accelerators = accelerators
    }
}

/// One record of `POST /cost_report`: a cluster alive or torn down (status null).
public struct FakeSkyPilotCostRecord: Sendable {
    public var name: String
    public var launchedAt: Int
    /// Seconds the cluster has been up, over all its usage intervals (an integer on the wire).
    public var duration: Int
    public var numNodes: Int
    /// `[start, end]` epoch seconds; a nil end is an interval still open (now).
    public var usageIntervals: [FakeSkyPilotInterval]
    /// The cluster's status, or nil when it has been torn down.
    public var status: String?
    /// Dollars, for all nodes over `duration`.
    public var totalCost: Double
    public var userName: String?
    public var userHash: String

    public init(
        name: String, launchedAt: Int, duration: Int, numNodes: Int, usageIntervals: [FakeSkyPilotInterval],
        status: String?, totalCost: Double, userName: String?, userHash: String
    ) {
        self.name = name
        self.launchedAt = launchedAt
        self.duration = duration
        self.numNodes = numNodes
        self.usageIntervals = usageIntervals
        self.status = status
        self.totalCost = totalCost
        self.userName = userName
        self.userHash = userHash
    }
}

/// A usage interval of a cost record.
public struct FakeSkyPilotInterval: Sendable {
    public var start: Int
    public var end: Int?
    public init(start: Int, end: Int?) {
        self.start = start
        self.end = end
    }
}

/// The data a fake SkyPilot API server serves: job rows, clusters and cost records, relative to
/// a fixed `now` (epoch seconds).
public struct FakeSkyPilotData: Sendable {
    public var now: Double
    public var jobs: [FakeSkyPilotJobRow]
    public var clusters: [FakeSkyPilotCluster]
    public var costRecords: [FakeSkyPilotCostRecord]
    /// The user the server takes the caller to be: `all_users` false (or missing) lists only
    /// this user's jobs and clusters.
    public var callerUserHash: String

    public static let day = 86_400.0
    /// The server's own user in the captured exchange.
    public static let serverUserHash = "fcd1e5cf"

    /// Every managed-job status of SkyPilot 0.14.
    public static let jobStatuses = [
        "PENDING", "SUBMITTED", "STARTING", "RUNNING", "RECOVERING", "CANCELLING", "SUCCEEDED", "CANCELLED", "FAILED",
        "FAILED_SETUP", "FAILED_PRECHECKS", "FAILED_NO_RESOURCE", "FAILED_CONTROLLER",
    ]
    public static let terminalJobStatuses: Set<String> = [
        "SUCCEEDED", "CANCELLED", "FAILED", "FAILED_SETUP", "FAILED_PRECHECKS", "FAILED_NO_RESOURCE", "FAILED_CONTROLLER",
    ]
    public static let clusterStatuses = ["INIT", "UP", "STOPPED", "AUTOSTOPPING"]

    public init(
        now: Double, jobs: [FakeSkyPilotJobRow], clusters: [FakeSkyPilotCluster], costRecords: [FakeSkyPilotCostRecord],
        callerUserHash: String = FakeSkyPilotData.serverUserHash
    ) {
        self.now = now
        self.jobs = jobs
        self.clusters = clusters
        self.costRecords = costRecords
        self.callerUserHash = callerUserHash
    }

    /// A deterministic scenario around `now`: hand-placed rows that cover every case the metrics
    /// distinguish (every status, pipelines, job groups with auxiliary rows and one without a
    /// primary row, PENDING rows without `submitted_at`, jobs ended inside and outside W, a null
    /// `user_name`; clusters in every status with and without autostop, managed or not, several
    /// nodes; cost records open, closed, straddling W's start, torn down, of duration 0, ended
    /// before the 8-day report), plus `fillerJobs` seeded random jobs and a few random clusters.
    public static func scenario(seed: UInt64, now: Double, fillerJobs: Int = 40) -> FakeSkyPilotData {
        var random = SplitMix64(seed: seed)
        let hour = 3_600.0
        let me = serverUserHash
        let users: [(String?, String)] = [
            ("root", me), ("alice", "a11ce000"), ("bob", "b0b00000"), ("carol", "ca201000"), (nil, "0a0a0a0a"),
        ]
        var rows: [FakeSkyPilotJobRow] = []
        var nextJob = 1
        /// Adds one job whose tasks are given as (status, submitted, start, end, duration, primary).
        func job(
            _ name: String, user: (String?, String), group: Bool = false,
            _ tasks: [(String, Double?, Double?, Double?, Double, Bool?)]
        ) {
            let id = nextJob
            nextJob += 1
            // A fraction on every time, as a real server's (time.time()).
            let fraction = Double(id % 10) / 10 + 0.0345036
            for (index, task) in tasks.enumerated() {
                rows.append(
                    FakeSkyPilotJobRow(
                        jobID: id, taskID: index, jobName: name, taskName: tasks.count > 1 ? "\(name)-\(index)" : name,
                        status: task.0, submittedAt: task.1.map { now + $0 + fraction },
                        startAt: task.2.map { now + $0 + fraction }, endAt: task.3.map { now + $0 + fraction },
                        jobDuration: task.4, userName: user.0, userHash: user.1, isJobGroup: group,
                        isPrimaryInJobGroup: group ? task.5 : nil))
            }
        }
        let h = hour
        // Single-task jobs, one per status; ended ones inside W.
        job("pending", user: users[1], [("PENDING", nil, nil, nil, 0, nil)])
        job("submitted", user: users[2], [("SUBMITTED", -2 * h, nil, nil, 0, nil)])
        job("starting", user: users[3], [("STARTING", -1 * h, nil, nil, 0, nil)])
        job("running", user: users[0], [("RUNNING", -5 * h, -4.5 * h, nil, 4.5 * h, nil)])
        job("recovering", user: users[1], [("RECOVERING", -30 * h, -29 * h, nil, 20 * h, nil)])
        job("cancelling", user: users[2], [("CANCELLING", -3 * h, -2.8 * h, nil, 2.5 * h, nil)])
        job("succeeded", user: users[0], [("SUCCEEDED", -50 * h, -49 * h, -40 * h, 9 * h, nil)])
        job("cancelled", user: users[3], [("CANCELLED", -20 * h, -19.5 * h, -18 * h, 1.5 * h, nil)])
        job("failed", user: users[1], [("FAILED", -60 * h, -59.5 * h, -58 * h, 1.5 * h, nil)])
        job("failed-setup", user: users[2], [("FAILED_SETUP", -70 * h, -69.8 * h, -69.7 * h, 0.1 * h, nil)])
        // Rejected before launch: no submitted_at, no start, an end, duration 0.
        job("failed-prechecks", user: users[0], [("FAILED_PRECHECKS", nil, nil, -10 * h, 0, nil)])
        job("failed-no-resource", user: users[4], [("FAILED_NO_RESOURCE", -12 * h, nil, -11 * h, 0, nil)])
        job("failed-controller", user: users[3], [("FAILED_CONTROLLER", -100 * h, -99 * h, -90 * h, 9 * h, nil)])
        // Ended before W (7 days = 168 hours): not in the *_7d counts.
        job("old-success", user: users[2], [("SUCCEEDED", -300 * h, -299 * h, -250 * h, 49 * h, nil)])
        job("old-failure", user: users[4], [("FAILED", -200 * h, -199 * h, -190 * h, 9 * h, nil)])
        // Started before W, ended inside it.
        job("long-run", user: users[1], [("SUCCEEDED", -200 * h, -180 * h, -100 * h, 80 * h, nil)])
        // Pipelines: the first task other than SUCCEEDED decides.
        job(
            "pipeline-running", user: users[0],
            [
                ("SUCCEEDED", -8 * h, -7.9 * h, -6 * h, 1.9 * h, nil), ("RUNNING", -6 * h, -5.9 * h, nil, 5.9 * h, nil),
                ("PENDING", nil, nil, nil, 0, nil),
            ])
        job(
            "pipeline-done", user: users[2],
            [
                ("SUCCEEDED", -40 * h, -39 * h, -30 * h, 9 * h, nil),
                ("SUCCEEDED", -30 * h, -29.5 * h, -25 * h, 4.5 * h, nil),
            ])
        job(
            "pipeline-failed", user: users[3],
            [
                ("SUCCEEDED", -90 * h, -89 * h, -80 * h, 9 * h, nil), ("FAILED", -80 * h, -79 * h, -78 * h, 1 * h, nil),
                ("CANCELLED", nil, nil, -78 * h, 0, nil),
            ])
        job(
            "pipeline-pending", user: users[4],
            [("SUCCEEDED", -3 * h, -2.5 * h, -1 * h, 1.5 * h, nil), ("PENDING", nil, nil, nil, 0, nil)])
        // Job groups: the auxiliary task (is_primary_in_job_group false) is left out of the status.
        job(
            "group-running", user: users[1], group: true,
            [("RUNNING", -9 * h, -8 * h, nil, 8 * h, true), ("CANCELLED", -9 * h, -8 * h, -2 * h, 6 * h, false)])
        job(
            "group-done", user: users[0], group: true,
            [("SUCCEEDED", -48 * h, -47 * h, -20 * h, 27 * h, true), ("CANCELLED", -48 * h, -47 * h, -21 * h, 26 * h, false)])
        // A job group with no primary row takes all its rows: FAILED.
        job(
            "group-no-primary", user: users[2], group: true,
            [("SUCCEEDED", -15 * h, -14 * h, -13 * h, 1 * h, false), ("FAILED", -15 * h, -14 * h, -12 * h, 2 * h, false)])

        // Seeded filler jobs.
        for index in 0..<fillerJobs {
            let status = jobStatuses[Int.random(in: 0..<jobStatuses.count, using: &random)]
            let user = users[Int.random(in: 0..<users.count, using: &random)]
            let submitted = -Double(Int.random(in: 1...(12 * 24), using: &random)) * h
            let wait = Double(Int.random(in: 0...3_000, using: &random))
            let length = Double(Int.random(in: 60...(10 * 3_600), using: &random))
            let start = submitted + wait
            let end = min(start + length, -60)
            let task: (String, Double?, Double?, Double?, Double, Bool?)
            switch status {
            case "PENDING": task = (status, nil, nil, nil, 0, nil)
            case "SUBMITTED", "STARTING": task = (status, submitted, nil, nil, 0, nil)
            case "RUNNING", "RECOVERING", "CANCELLING": task = (status, submitted, start, nil, -start, nil)
            case "FAILED_PRECHECKS": task = (status, nil, nil, submitted, 0, nil)
            case "FAILED_NO_RESOURCE": task = (status, submitted, nil, submitted + wait, 0, nil)
            default: task = (status, submitted, start, end, max(0, end - start), nil)
            }
            job("filler-\(index)", user: user, [task])
        }

        // Clusters: every status, with and without autostop, managed or not, several nodes.
        let t = Int(now)
        var clusters = [
            FakeSkyPilotCluster(
                name: "dev-gpu", launchedAt: t - 30_000, status: "UP", autostop: 30, isManaged: false, nodes: 2,
                userName: "root", userHash: me, accelerators: "{'A100': 8}"),
            FakeSkyPilotCluster(
                name: "forgotten", launchedAt: t - 400_000, status: "UP", autostop: -1, isManaged: false, nodes: 1,
                userName: "alice", userHash: "a11ce000"),
            FakeSkyPilotCluster(
                name: "sky-jobs-controller-\(me)", launchedAt: t - 900_000, status: "UP", autostop: -1, isManaged: true,
                nodes: 1, userName: "root", userHash: me),
            FakeSkyPilotCluster(
                name: "train-4x", launchedAt: t - 7_200, status: "UP", autostop: -1, isManaged: true, nodes: 4,
                userName: "bob", userHash: "b0b00000", accelerators: "{'H100': 8}"),
            FakeSkyPilotCluster(
                name: "nameless-up", launchedAt: t - 5_000, status: "UP", autostop: -1, isManaged: false, nodes: 3,
                userName: nil, userHash: "0a0a0a0a"),
            FakeSkyPilotCluster(
                name: "booting", launchedAt: t - 120, status: "INIT", autostop: 10, isManaged: false, nodes: 1,
                userName: "carol", userHash: "ca201000"),
            FakeSkyPilotCluster(
                name: "parked", launchedAt: t - 600_000, status: "STOPPED", autostop: -1, isManaged: false, nodes: 2,
                userName: "bob", userHash: "b0b00000"),
            FakeSkyPilotCluster(
                name: "winding-down", launchedAt: t - 50_000, status: "AUTOSTOPPING", autostop: 5, isManaged: false,
                nodes: 1, userName: "alice", userHash: "a11ce000"),
        ]
        for index in 0..<4 {
            let status = clusterStatuses[Int.random(in: 0..<clusterStatuses.count, using: &random)]
            clusters.append(
                FakeSkyPilotCluster(
                    name: "extra-\(index)", launchedAt: t - Int.random(in: 600...900_000, using: &random), status: status,
                    autostop: Bool.random(using: &random) ? -1 : Int.random(in: 5...120, using: &random),
                    isManaged: Bool.random(using: &random), nodes: Int.random(in: 1...4, using: &random),
                    userName: users[index % 4].0, userHash: users[index % 4].1))
        }

        // Cost records: one per live cluster (status as the cluster's, open interval while UP or
        // INIT or AUTOSTOPPING), and torn-down ones (status null).
        let w = 7 * Int(day)
        var costs: [FakeSkyPilotCostRecord] = []
        func cost(
            _ name: String, _ intervals: [FakeSkyPilotInterval], status: String?, nodes: Int, hourlyPerNode: Double,
            user: (String?, String)
        ) {
            let duration = intervals.reduce(0) { $0 + (($1.end ?? t) - $1.start) }
            let total = (hourlyPerNode * Double(nodes) * Double(duration) / 3_600 * 1e8).rounded() / 1e8
            costs.append(
                FakeSkyPilotCostRecord(
                    name: name, launchedAt: intervals.first?.start ?? t, duration: duration, numNodes: nodes,
                    usageIntervals: intervals, status: status, totalCost: total, userName: user.0, userHash: user.1))
        }
        for cluster in clusters {
            let open = cluster.status != "STOPPED"
            var intervals: [FakeSkyPilotInterval] = []
            if cluster.launchedAt < t - w - 3_600 {
                // Straddling W's start: an earlier closed interval, then the current one.
                intervals.append(FakeSkyPilotInterval(start: cluster.launchedAt, end: cluster.launchedAt + 3_000))
                intervals.append(FakeSkyPilotInterval(start: t - w - 7_200, end: open ? nil : t - 86_400))
            } else {
                intervals.append(FakeSkyPilotInterval(start: cluster.launchedAt, end: open ? nil : t - 3_600))
            }
            let price = cluster.accelerators == nil ? 0.384 : 32.77
            cost(
                cluster.name, intervals, status: cluster.status, nodes: cluster.nodes, hourlyPerNode: price,
                user: (cluster.userName, cluster.userHash))
        }
        cost(
            "torn-down-in-w", [FakeSkyPilotInterval(start: t - 100_000, end: t - 50_000)], status: nil, nodes: 2,
            hourlyPerNode: 3.06, user: users[1])
        cost(
            "torn-down-straddling",
            [FakeSkyPilotInterval(start: t - w - 20_000, end: t - w + 10_000)], status: nil, nodes: 1,
            hourlyPerNode: 0.768, user: users[2])
        // Made and torn down in the same second: duration 0, cost 0.
        cost(
            "torn-down-instantly", [FakeSkyPilotInterval(start: t - 40_000, end: t - 40_000)], status: nil, nodes: 1,
            hourlyPerNode: 0.384, user: users[0])
        // Ended 10 days ago: outside the 8-day report.
        cost(
            "torn-down-long-ago", [FakeSkyPilotInterval(start: t - 11 * Int(day), end: t - 10 * Int(day))], status: nil,
            nodes: 1, hourlyPerNode: 0.384, user: users[3])
        return FakeSkyPilotData(now: now, jobs: rows, clusters: clusters, costRecords: costs)
    }

    /// The cost records `POST /cost_report {"days": N}` lists: those used during the last N days
    /// (an interval ending, or still open, at or after now − N days).
    public func costRecords(days: Int) -> [FakeSkyPilotCostRecord] {
        let since = Int(now) - days * Int(Self.day)
        return costRecords.filter { record in record.usageIntervals.contains { ($0.end ?? Int(now)) >= since } }
    }
}

/// SplitMix64: a small seeded generator, so the scenario is the same on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
