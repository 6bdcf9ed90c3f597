import FakeGitHub
import Foundation

/// One project of the fake Asana workspace.
public struct FakeAsanaProject: Sendable {
    public var gid: String
    public var name: String
    /// The name as a Datadog tag value, written by hand (lower-cased, runs of other characters `_`).
    public var tagValue: String
}

/// One task of the fake Asana workspace; a task may be in several projects (multi-homed).
public struct FakeAsanaTask: Sendable {
    public var gid: String
    public var name: String
    public var projects: [String]
    public var createdAt: Double
    public var modifiedAt: Double
    /// Set when the task is completed.
    public var completedAt: Double?
    public var dueOn: String?
    public var dueAt: Double?
    public var assignee: String?

    public var completed: Bool { completedAt != nil }
}

/// A fake Asana workspace generated from a seed: several projects (one of them empty), and tasks
/// that cover every case the metrics distinguish: multi-homed, due on a date, due at a time,
/// without a due date, unassigned, stale, completed in the window and before it.
public struct FakeAsanaData: Sendable {
    public var now: Double
    public var projects: [FakeAsanaProject]
    public var tasks: [FakeAsanaTask]

    public static let day = 86_400.0

    public init(now: Double, projects: [FakeAsanaProject], tasks: [FakeAsanaTask]) {
        self.now = now
        self.projects = projects
        self.tasks = tasks
    }

    /// The generated workspace: projects 1001 (`platform`), 1002 (`Mobile App (iOS)`), 1003 (`archive`,
    /// with no task) and `taskCount` tasks spread over the first two, some in both.
    public static func generated(seed: UInt64, now: Double, taskCount: Int = 260) -> FakeAsanaData {
        var random = SeededGenerator(seed: seed)
        let projects = [
            FakeAsanaProject(gid: "1001", name: "platform", tagValue: "platform"),
            FakeAsanaProject(gid: "1002", name: "Mobile App (iOS)", tagValue: "mobile_app_ios"),
            FakeAsanaProject(gid: "1003", name: "archive", tagValue: "archive"),
        ]
        let people = ["501", "502", "503", "504", "505"]
        var tasks: [FakeAsanaTask] = []
        for index in 0..<taskCount {
            let gid = String(2_000_000 + index)
            let home: [String] =
                switch index % 7 {
                case 0: ["1001", "1002"]
                case 1, 2, 3: ["1001"]
                default: ["1002"]
                }
            // Whole seconds or milliseconds; created up to 60 days ago.
            let created = now - Double(Int.random(in: 3_600...(60 * 86_400), using: &random)) - 0.25 * Double(index % 2)
            var task = FakeAsanaTask(
                gid: gid, name: "task \(index)", projects: home, createdAt: created, modifiedAt: created,
                completedAt: nil, dueOn: nil, dueAt: nil, assignee: nil)
            switch index % 5 {
            case 0: task.completedAt = created + Double.random(in: 600...(now - created), using: &random)
            case 1 where index % 3 == 0:
                // Completed long ago: before the window, so not listed.
                task.completedAt = created + (now - created) / 10
            default: break
            }
            // Milliseconds, as Asana writes them, so the answers carry the data exactly.
            task.completedAt = task.completedAt.map { min(now, ($0 * 1000).rounded(.down) / 1000) }
            switch index % 4 {
            case 0:
                let due = now + Double(Int.random(in: -20...20, using: &random)) * day
                task.dueOn = Self.date(due)
            case 1: task.dueAt = now + Double(Int.random(in: -200...200, using: &random)) * 3_600
            case 2:
                // Both: due_at wins.
                task.dueAt = now + Double(Int.random(in: -48...48, using: &random)) * 3_600
                task.dueOn = task.dueAt.map(Self.date)
            default: break
            }
            if index % 6 != 5 { task.assignee = people[Int.random(in: 0..<people.count, using: &random)] }
            let lastTouch = task.completedAt ?? now
            task.modifiedAt = min(lastTouch, created + Double(Int.random(in: 0...Int(lastTouch - created), using: &random)))
            if index % 9 == 0 { task.modifiedAt = max(created, now - 30 * day) }
            tasks.append(task)
        }
        // Edge cases at the boundaries: due today (not overdue), created exactly at the window's start.
        tasks.append(
            FakeAsanaTask(
                gid: "2999001", name: "due today", projects: ["1001"], createdAt: now - 7 * day, modifiedAt: now - 3_600,
                completedAt: nil, dueOn: Self.date(now), dueAt: nil, assignee: "501"))
        tasks.append(
            FakeAsanaTask(
                gid: "2999002", name: "completed today", projects: ["1002", "1001"], createdAt: now - 8 * day,
                modifiedAt: now - 60, completedAt: now - 60, dueOn: nil, dueAt: nil, assignee: nil))
        // Completed 3 hours before the window: listed (the listing starts at the window's UTC day when
        // now is past 03:00), but neither completed in the window nor an active assignee's.
        tasks.append(
            FakeAsanaTask(
                gid: "2999003", name: "completed just before the window", projects: ["1001"], createdAt: now - 20 * day,
                modifiedAt: now - 7 * day - 10_800, completedAt: now - 7 * day - 10_800, dueOn: nil, dueAt: nil,
                assignee: "509"))
        return FakeAsanaData(now: now, projects: projects, tasks: tasks)
    }

    /// Now's UTC date, `YYYY-MM-DD`.
    public static func date(_ time: Double) -> String { String(iso(time).prefix(10)) }

    /// ISO 8601 in UTC, with milliseconds when the time has a fraction (as Asana writes them).
    public static func iso(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        if time.rounded(.down) != time {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        }
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    /// The tasks `GET /tasks?project=GID&completed_since=SINCE` lists: the project's incomplete
    /// tasks plus those completed at or after `since`, by gid.
    public func listed(project: String, completedSince since: Double?) -> [FakeAsanaTask] {
        tasks.filter { task in
            task.projects.contains(project) && (since == nil || task.completedAt.map { $0 >= since! } ?? true)
        }.sorted { $0.gid < $1.gid }
    }
}
