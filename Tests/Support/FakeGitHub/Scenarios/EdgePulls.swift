import Foundation

/// Pull requests of the edge scenario. Numbers follow creation order, as on GitHub.
enum EdgePulls {
    struct Spec {
        var title: String
        var created: Date
        var updated: Date
        var closed: Date? = nil
        var merged: Bool = false
        var draft = false
        var base = "trunk"
    }

    static let openCount = 12
    static let draftCount = 3
    static let mergedInWindow = 9
    static let closedUnmergedInWindow = 4
    static let oldClosedUpdatedInWindow = 5
    static let olderClosedCount = 110

    static func make(clock: ScenarioClock, random: inout SeededGenerator) -> [FakePullRequest] {
        var specs: [Spec] = []

        // Open, drafts included; some untouched for weeks (still open now).
        for index in 0..<openCount {
            let created = clock.ago(days: index * 5, hours: 1 + index)
            let updated = index % 3 == 0 ? created : clock.ago(hours: index)
            specs.append(
                Spec(
                    title: "Open work \(index)", created: min(created, updated), updated: updated,
                    draft: index < draftCount))
        }

        // Merged inside the window: one exactly at the window start, one long-lived, one quick.
        let mergedTimes: [(created: Date, merged: Date)] = [
            (clock.ago(days: 9), clock.windowStart),
            (clock.ago(days: 45), clock.ago(days: 1)),
            (clock.ago(hours: 3), clock.ago(hours: 1)),
            (clock.ago(days: 2), clock.ago(days: 1, hours: 4)),
            (clock.ago(days: 6), clock.ago(days: 5, hours: 22)),
            (clock.ago(days: 3, hours: 5), clock.ago(days: 3)),
            (clock.ago(days: 10), clock.ago(days: 4, minutes: 30)),
            (clock.ago(hours: 30), clock.ago(hours: 29, minutes: 15)),
            (clock.ago(days: 6, hours: 12), clock.ago(days: 2, hours: 2)),
        ]
        for (index, times) in mergedTimes.enumerated() {
            // One targets the stale "main" branch: it still counts (all pull requests count).
            specs.append(
                Spec(
                    title: "Merged feature \(index)", created: times.created, updated: times.merged,
                    closed: times.merged, merged: true, base: index == 4 ? "main" : "trunk"))
        }

        // Closed without merge inside the window, one exactly at now.
        let closedTimes: [(created: Date, closed: Date)] = [
            (clock.ago(days: 2), clock.now),
            (clock.ago(days: 20), clock.ago(days: 2)),
            (clock.ago(days: 5), clock.ago(days: 4)),
            (clock.ago(days: 8), clock.ago(days: 6, hours: 23)),
        ]
        for (index, times) in closedTimes.enumerated() {
            specs.append(
                Spec(
                    title: "Abandoned idea \(index)", created: times.created, updated: times.closed,
                    closed: times.closed))
        }

        // Closed long ago but commented on this week: `updated_at` is in the window, yet they count
        // neither as merged nor as closed in the window.
        for index in 0..<oldClosedUpdatedInWindow {
            let closed = clock.ago(days: 40 + index * 12)
            specs.append(
                Spec(
                    title: "Old closed, recently discussed \(index)", created: clock.ago(days: 60 + index * 12),
                    updated: clock.ago(days: index, hours: 2), closed: closed, merged: index < 3))
        }

        // Just before the window: merged 1 s and 2 h before it (the first one updated this week),
        // and one closed without merge 30 s before it.
        specs.append(
            Spec(
                title: "Merged just before the window", created: clock.ago(days: 9),
                updated: clock.ago(days: 1), closed: clock.ago(days: 7, seconds: 1), merged: true))
        specs.append(
            Spec(
                title: "Merged two hours before the window", created: clock.ago(days: 8),
                updated: clock.ago(days: 7, hours: 2), closed: clock.ago(days: 7, hours: 2), merged: true))
        specs.append(
            Spec(
                title: "Closed just before the window", created: clock.ago(days: 10),
                updated: clock.ago(days: 7, seconds: 30), closed: clock.ago(days: 7, seconds: 30)))

        // Plenty of older history, so the closed listing spans more than one page of 100.
        for index in 0..<olderClosedCount {
            let closedDaysAgo = 10 + index * 3 + random.int(in: 0...2)
            let created = clock.ago(days: closedDaysAgo + random.int(in: 0...20), hours: random.int(in: 1...23))
            let closed = clock.ago(days: closedDaysAgo, hours: random.int(in: 0...23))
            specs.append(
                Spec(
                    title: "Historical change \(index)", created: created, updated: closed, closed: closed,
                    merged: random.chance(70)))
        }
        return number(specs, random: &random)
    }

    static func number(_ specs: [Spec], random: inout SeededGenerator) -> [FakePullRequest] {
        let logins = ["alice", "bob", "erin", "gus", "dependabot[bot]"]
        return specs.sorted(by: { $0.created < $1.created }).enumerated().map { offset, spec in
            let number = 100 + offset
            return FakePullRequest(
                number: number, title: spec.title, authorLogin: logins[number % logins.count], draft: spec.draft,
                createdAt: spec.created, updatedAt: spec.updated, closedAt: spec.closed,
                mergedAt: spec.merged ? spec.closed : nil, headRef: "feature/pr-\(number)", baseRef: spec.base,
                headSHA: random.sha())
        }
    }
}
