/// The data as the real server (skypilot 0.14.1) writes it: job rows, cluster records, cost
/// records, with its keys in its order (shared/fixtures/skypilot/real-exchange.md).
enum FakeSkyPilotWire {
    typealias J = FakeSkyPilotJSON

    /// The text of a fake secret put in cluster records when `include_credentials` is not false,
    /// so tests can prove it never reaches a collector's output.
    static let secretKeyMarker = "FAKE-SKYPILOT-SECRET-SSH-KEY-DO-NOT-LOG"

    /// A `/jobs/queue/v2` row; `rowID` is the table's own id (`_job_id`).
    static func jobRow(_ row: FakeSkyPilotJobRow, rowID: Int) -> [(String, J)] {
        let terminal = FakeSkyPilotData.terminalJobStatuses.contains(row.status)
        let failed = row.status.hasPrefix("FAILED")
        let reason: String? = failed ? "Fake failure of \(row.status.lowercased())" : nil
        let schedule: String =
            terminal ? "DONE" : row.status == "PENDING" ? "WAITING" : row.startAt == nil ? "LAUNCHING" : "ALIVE"
        let resources = "1x[A100:8]"
        return [
            ("_job_id", .int(rowID)), ("job_id", .int(row.jobID)), ("task_id", .int(row.taskID)),
            ("job_name", .string(row.jobName)), ("task_name", .string(row.taskName)),
            ("job_duration", .double(row.jobDuration)), ("workspace", "default"), ("status", .string(row.status)),
            ("schedule_state", .string(schedule)), ("resources", .string(resources)),
            ("cluster_resources", .string(resources)), ("cluster_resources_full", .string(resources)), ("cloud", "AWS"),
            ("region", .string(row.region)), ("zone", .string(row.region + "a")),
            ("infra", .string("AWS (\(row.region)a)")), ("recovery_count", .int(row.status == "RECOVERING" ? 1 : 0)),
            ("details", row.status == "FAILED_PRECHECKS" ? .string("Failure: \(reason ?? "")") : .null),
            ("failure_reason", .optional(reason)), ("user_name", .optional(row.userName)),
            ("user_hash", .string(row.userHash)), ("submitted_at", .optional(row.submittedAt)),
            ("start_at", .optional(row.startAt)), ("end_at", .optional(row.endAt)), ("user_yaml", .null),
            ("entrypoint", .string("sky jobs launch \(row.jobName).yaml")), ("metadata", .object([])),
            ("controller_pid", .null), ("controller_pid_started_at", .null),
            ("dag_yaml_path", .string("\(row.jobName).yaml")), ("env_file_path", .null),
            ("last_recovered_at", .double(row.startAt ?? -1)), ("run_timestamp", .string("sky-2026-12-06")),
            ("priority", 500), ("priority_class", .null), ("original_user_yaml_path", .null), ("pool", .null),
            ("pool_hash", .null), ("current_cluster_name", .null), ("cluster_name_on_cloud", .null),
            ("job_id_on_pool_cluster", .null), ("labels", .null), ("links", .null), ("node_names", .null),
            ("execution", .string(row.isJobGroup ? "parallel" : "serial")), ("is_job_group", .bool(row.isJobGroup)),
            ("is_primary_in_job_group", .optional(row.isPrimaryInJobGroup)), ("root_job_id", .null),
            ("parent_job_id", .null), ("parent_task_id", .null), ("dynamic_task_index", .null), ("is_batch", false),
            ("batch_total_batches", .null), ("batch_completed_batches", .null), ("internal_external_ips", .null),
            ("internal_services", .null),
        ]
    }

    /// A legacy `POST /jobs/queue` row: a fixed field set without `start_at` (null) or
    /// `user_name`, `user_hash` null, `is_job_group` false, `job_duration` 0 (an integer) for a
    /// task that never started.
    static func legacyJobRow(_ row: FakeSkyPilotJobRow) -> J {
        .object([
            ("job_id", .int(row.jobID)), ("task_id", .int(row.taskID)), ("job_name", .string(row.jobName)),
            ("task_name", .string(row.taskName)),
            ("job_duration", row.startAt == nil ? .int(0) : .double(row.jobDuration)), ("status", .string(row.status)),
            ("resources", "1x[A100:8]"), ("submitted_at", .optional(row.submittedAt)), ("start_at", .null),
            ("end_at", .optional(row.endAt)), ("user_hash", .null), ("recovery_count", 0), ("is_job_group", false),
        ])
    }

    /// A `POST /status` record: keys whose value is null are left out; `credentials` only when
    /// asked for.
    static func cluster(_ cluster: FakeSkyPilotCluster, credentials: Bool) -> J {
        let gpus = cluster.accelerators != nil
        let shape =
            gpus
            ? ("\(cluster.nodes)x(gpus=A100:8, p4d.24xlarge, ...)", "p4d.24xlarge", "96.0", "1152.0")
            : ("\(cluster.nodes)x(cpus=8, mem=32, m6i.2xlarge, ...)", "m6i.2xlarge", "8.0", "32.0")
        var pairs: [(String, J)] = [
            ("name", .string(cluster.name)), ("launched_at", .int(cluster.launchedAt)),
            ("handle", .string(J.pickle("handle:" + cluster.name, length: 900))), ("last_use", "sky launch"),
            ("status", .string(cluster.status)), ("autostop", .int(cluster.autostop)), ("to_down", false),
            ("metadata", .object([])), ("cluster_hash", .string(uuidLike(cluster.name))), ("cluster_ever_up", true),
            ("status_updated_at", .int(cluster.launchedAt)), ("user_hash", .string(cluster.userHash)),
        ]
        if let user = cluster.userName { pairs.append(("user_name", .string(user))) }
        pairs += [
            ("workspace", "default"), ("last_creation_command", "sky launch"), ("is_managed", .bool(cluster.isManaged)),
            ("resources_str", .string(shape.0)),
            ("resources_str_full", .string(shape.0.replacing(", ...", with: ", disk=256"))),
            ("nodes", .int(cluster.nodes)), ("cloud", "AWS"), ("region", "us-east-1"), ("cpus", .string(shape.2)),
            ("memory", .string(shape.3)),
        ]
        if let accelerators = cluster.accelerators { pairs.append(("accelerators", .string(accelerators))) }
        pairs += [
            ("labels", .object([])), ("cluster_name_on_cloud", .string(cluster.name + "-fcd1")), ("priority", 0),
            ("links", .object([])),
        ]
        if credentials {
            pairs.append(
                (
                    "credentials",
                    .object([
                        ("ssh_user", "ubuntu"), ("ssh_private_key", "~/.sky/clients/fcd1e5cf/ssh/sky-key"),
                        (
                            "ssh_private_key_content",
                            .string(
                                "-----BEGIN OPENSSH PRIVATE KEY-----\n\(secretKeyMarker)-\(cluster.name)\n-----END OPENSSH PRIVATE KEY-----\n"
                            )
                        ),
                    ])
                ))
        }
        pairs.append(("storage_mounts_metadata", "gAROLg=="))
        return .object(pairs)
    }

    /// A `POST /cost_report` record; null values kept.
    static func cost(_ record: FakeSkyPilotCostRecord) -> J {
        let intervals: [J] = record.usageIntervals.map { .array([.int($0.start), .optional($0.end)]) }
        return .object([
            ("name", .string(record.name)), ("launched_at", .int(record.launchedAt)), ("duration", .int(record.duration)),
            ("num_nodes", .int(record.numNodes)), ("resources", .string(J.pickle("resources:" + record.name, length: 520))),
            ("priority", .null), ("priority_class", .null), ("cluster_hash", .string(uuidLike(record.name))),
            ("usage_intervals", .array(intervals)), ("status", .optional(record.status)),
            ("user_hash", .string(record.userHash)), ("user_name", .optional(record.userName)), ("workspace", "default"),
            ("last_event", .null), ("node_names", .null), ("last_creation_yaml", .null), ("last_creation_command", .null),
            ("total_cost", .double(record.totalCost)), ("cloud", "AWS"), ("region", "us-east-1"), ("cpus", "8.0"),
            ("memory", "32.0"), ("accelerators", "None"),
            ("resources_str", .string("\(record.numNodes)x(cpus=8, mem=32, m6i.2xlarge, ...)")),
            ("resources_str_full", .string("\(record.numNodes)x(cpus=8, mem=32, m6i.2xlarge, disk=256)")),
        ])
    }

    /// A stable uuid-shaped hash of a name (a cluster's `cluster_hash`).
    static func uuidLike(_ name: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var generator = SplitMix64(seed: hash)
        let hex = (0..<2).map { _ in String(generator.next(), radix: 16) }.joined()
        let digits = Array(String(repeating: "0", count: max(0, 32 - hex.count)) + hex)
        let cut = [8, 4, 4, 4, 12]
        var parts: [String] = []
        var index = 0
        for length in cut {
            parts.append(String(digits[index..<(index + length)]))
            index += length
        }
        return parts.joined(separator: "-")
    }
}
