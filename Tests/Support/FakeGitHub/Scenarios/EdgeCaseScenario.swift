import Foundation

/// A small repository that contains every edge case the collector must get right; the comments
/// say which metric each item is a trap for. The default branch is "trunk", and a stale branch
/// named "main" exists, so a hard-coded "main" gives wrong answers.
extension FakeGitHubData {
    public static func edgeCases(now: Date) -> FakeGitHubData {
        var random = SeededGenerator(seed: 0xED6E)
        let clock = ScenarioClock(now: now)
        let commits = EdgeCommits.make(clock: clock, random: &random)
        let newest = commits.max(by: { $0.committedAt < $1.committedAt })!
        return FakeGitHubData(
            owner: "octo-org", name: "octo-repo", defaultBranch: "trunk",
            pulls: EdgePulls.make(clock: clock, random: &random),
            branches: EdgeBranches.make(trunkHead: newest.sha, commits: commits, random: &random),
            commits: commits,
            workflows: FakeWorkflow.standard,
            workflowRuns: EdgeRuns.make(clock: clock, headSHA: newest.sha, random: &random))
    }
}

/// Authors of the edge scenario. Linked ones have a login; unlinked ones only an email, which is
/// written in mixed case on purpose (identity = the email lower-cased).
enum EdgeAuthor {
    case linked(login: String, name: String, email: String)
    case unlinked(name: String, email: String)

    static let alice = EdgeAuthor.linked(login: "alice", name: "Alice Liddell", email: "alice@example.com")
    static let bob = EdgeAuthor.linked(login: "bob", name: "Bob Builder", email: "bob@example.com")
    /// The same linked account committing with another email: still one developer ("bob").
    static let bobAtWork = EdgeAuthor.linked(login: "bob", name: "Bob Builder", email: "Bob@Work.example")
    static let erin = EdgeAuthor.linked(login: "erin", name: "Erin Hannon", email: "erin@example.com")
    static let gus = EdgeAuthor.linked(login: "gus", name: "Gus Fring", email: "gus@example.com")
    static let dependabot = EdgeAuthor.linked(
        login: "dependabot[bot]", name: "dependabot[bot]",
        email: "49699333+dependabot[bot]@users.noreply.github.com")
    /// One unlinked person, three spellings of one email: one identity "dev.ghost@example.com".
    static let ghostMixed = EdgeAuthor.unlinked(name: "Dev Ghost", email: "Dev.Ghost@Example.COM")
    static let ghostLower = EdgeAuthor.unlinked(name: "Dev Ghost", email: "dev.ghost@example.com")
    static let ghostUpper = EdgeAuthor.unlinked(name: "dev ghost", email: "DEV.GHOST@EXAMPLE.COM")
    static let carol = EdgeAuthor.unlinked(name: "Carol Contractor", email: "Carol@Contractor.example")
    static let frank = EdgeAuthor.unlinked(name: "Frank", email: "Frank@Example.org")

    var login: String? {
        if case .linked(let login, _, _) = self { return login }
        return nil
    }
    var name: String {
        switch self {
        case .linked(_, let name, _), .unlinked(let name, _): name
        }
    }
    var email: String {
        switch self {
        case .linked(_, _, let email), .unlinked(_, let email): email
        }
    }
}

/// The default branch's history.
enum EdgeCommits {
    struct Spec {
        var message: String
        var author: EdgeAuthor
        var committedAt: Date
        var authoredAt: Date? = nil
        var files: [String]
        var merge = false
    }

    /// 612 generated files: more than two pages of 300 in GET /commits/{sha}.
    static let bigCommitFileCount = 612

    static let pathPool = [
        "README.md", "Package.swift", "Sources/App/main.swift", "Sources/App/Config.swift",
        "Sources/Auth/Login.swift", "Sources/Auth/Session.swift", "Sources/Cache/Cache.swift",
        "Sources/Cache/Store.swift", "Sources/Net/Client.swift", "Sources/Net/Retry.swift",
        "Sources/Search/Index.swift", "Sources/Search/Query.swift", "Tests/AppTests/ConfigTests.swift",
        "Tests/NetTests/ClientTests.swift", "Docs/Guide.md", "deploy/prod.yaml", ".github/workflows/ci.yml",
    ]

    static func make(clock: ScenarioClock, random: inout SeededGenerator) -> [FakeCommit] {
        var specs: [Spec] = [
            // Hotfix in any case, anywhere (subject or body).
            Spec(
                message: "HOTFIX: crash on launch when config is empty", author: .alice,
                committedAt: clock.ago(minutes: 20), files: ["Sources/App/main.swift", "Sources/App/Config.swift"]),
            Spec(
                message: "Apply hotfix for login timeout", author: .bob,
                committedAt: clock.ago(hours: 3), files: ["Sources/Auth/Login.swift"]),
            Spec(
                message: "Deploy HotFix 2 to production", author: .ghostMixed,
                committedAt: clock.ago(hours: 7), files: ["deploy/prod.yaml"]),
            Spec(
                message: "Fix flaky config test\n\nThis is really a hotfix for the nightly build.", author: .alice,
                committedAt: clock.ago(hours: 11), files: ["Tests/AppTests/ConfigTests.swift"]),
            // "hot fix" with a space is not "hotfix".
            Spec(
                message: "Hot fix for spacing in README", author: .erin,
                committedAt: clock.ago(hours: 15), files: ["README.md"]),
            // Reverts: only messages that start with "Revert".
            Spec(
                message: "Revert \"Add cache layer\"\n\nThis reverts commit 5d1e0c4f.", author: .bob,
                committedAt: clock.ago(days: 1, hours: 2), files: ["Sources/Cache/Cache.swift"]),
            Spec(
                message: "Revert \"Enable HOTFIX mode\"", author: .carol,
                committedAt: clock.ago(days: 1, hours: 9), files: ["Sources/App/Config.swift"]),
            Spec(
                message: "Partially revert the cache change", author: .alice,
                committedAt: clock.ago(days: 1, hours: 20), files: ["Sources/Cache/Cache.swift"]),
            // Merge commits count as commits; this one mentions a revert but starts with "Merge".
            Spec(
                message: "Merge pull request #412 from octo-org/revert-411-cache\n\nRevert \"Add cache layer\"",
                author: .alice, committedAt: clock.ago(days: 2, hours: 1),
                files: ["Sources/Cache/Cache.swift", "Sources/Cache/Store.swift"], merge: true),
            Spec(
                message: "Merge branch 'trunk' into feature/search", author: .erin,
                committedAt: clock.ago(days: 2, hours: 8), files: ["Sources/Search/Index.swift"], merge: true),
            // One commit with more files than one page of GET /commits/{sha} holds.
            Spec(
                message: "Vendor generated API client", author: .alice, committedAt: clock.ago(days: 3),
                files: (1...bigCommitFileCount).map { String(format: "Generated/Client/File%03d.swift", $0) }
                    + ["README.md"]),
            // The same unlinked person with differently cased emails.
            Spec(
                message: "Tune retry backoff", author: .ghostLower, committedAt: clock.ago(days: 3, hours: 5),
                files: ["Sources/Net/Retry.swift", "README.md"]),
            Spec(
                message: "Log request ids", author: .ghostUpper, committedAt: clock.ago(days: 3, hours: 12),
                files: ["Sources/Net/Client.swift"]),
            Spec(
                message: "Bump swift-format from 600.0.0 to 601.0.0", author: .dependabot,
                committedAt: clock.ago(days: 4), files: ["Package.resolved"]),
            // Authored long ago, committed (rebased) inside the window: counts.
            Spec(
                message: "Improve the guide", author: .erin, committedAt: clock.ago(days: 4, hours: 6),
                authoredAt: clock.ago(days: 12), files: ["Docs/Guide.md", "README.md"]),
            // A linked account using a second email: identity is still the login.
            Spec(
                message: "Refactor login flow", author: .bobAtWork, committedAt: clock.ago(days: 5),
                files: ["Sources/Auth/Login.swift", "Sources/Auth/Session.swift"]),
            // Exactly at the window start: inside (the window is inclusive).
            Spec(
                message: "Commit exactly at the window start", author: .alice, committedAt: clock.windowStart,
                files: ["Sources/App/Boundary.swift"]),
            // Just outside the window: none of these count, whatever their messages say.
            Spec(
                message: "Revert \"HOTFIX: old emergency\"", author: .alice,
                committedAt: clock.ago(days: 7, seconds: 1), files: ["Sources/Old/Edge.swift"]),
            Spec(
                message: "hotfix: old one", author: .bob, committedAt: clock.ago(days: 7, hours: 1),
                files: ["Sources/Old/Hotfix.swift"]),
            Spec(
                message: "Merge pull request #300 from octo-org/old-feature", author: .carol,
                committedAt: clock.ago(days: 8), files: ["Sources/Old/Feature.swift"], merge: true),
        ]
        // Routine commits: more than 100 commits in the window, so the commit list has pages.
        let routineAuthors: [EdgeAuthor] = [.alice, .bob, .erin, .frank, .gus]
        let routineCount = 95
        let span = 7 * 86_400 - 2 * 3600
        for index in 0..<routineCount {
            let offset = 3600 + span * (index + 1) / (routineCount + 1) + random.int(in: 0...59)
            let fileCount = random.int(in: 1...4)
            specs.append(
                Spec(
                    message: "Update module \(index % 12): routine change \(index)",
                    author: routineAuthors[index % routineAuthors.count],
                    committedAt: clock.ago(seconds: offset),
                    files: (0..<fileCount).map { _ in random.pick(pathPool) }))
        }
        // Older history.
        for index in 0..<5 {
            specs.append(
                Spec(
                    message: "Initial work \(index)", author: .alice, committedAt: clock.ago(days: 20 + index * 5),
                    files: [random.pick(pathPool)]))
        }
        return chain(specs, random: &random)
    }

    /// Orders the specs oldest first, links parents and assigns SHAs and line counts.
    static func chain(_ specs: [Spec], random: inout SeededGenerator) -> [FakeCommit] {
        var commits: [FakeCommit] = []
        var parent = random.sha()
        for spec in specs.sorted(by: { $0.committedAt < $1.committedAt }) {
            let sha = random.sha()
            let files = uniqued(spec.files)
            let additions = files.count * random.int(in: 1...40)
            let deletions = files.count * random.int(in: 0...15)
            let linked = spec.author.login != nil
            commits.append(
                FakeCommit(
                    sha: sha, message: spec.message, authorLogin: spec.author.login, authorName: spec.author.name,
                    authorEmail: spec.author.email, authoredAt: spec.authoredAt ?? spec.committedAt,
                    committerLogin: linked ? "web-flow" : nil, committerName: linked ? "GitHub" : spec.author.name,
                    committerEmail: linked ? "noreply@github.com" : spec.author.email,
                    committedAt: spec.committedAt, additions: additions, deletions: deletions, files: files,
                    parents: spec.merge ? [parent, random.sha()] : [parent]))
            parent = sha
        }
        return commits
    }

    /// A commit lists each path once.
    static func uniqued(_ paths: [String]) -> [String] {
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }
}

/// 130 branches (more than one page of 100): the default "trunk", a stale "main", releases and
/// feature branches.
enum EdgeBranches {
    static let count = 130

    static func make(trunkHead: String, commits: [FakeCommit], random: inout SeededGenerator) -> [FakeBranch] {
        let topics = ["search", "cache", "login", "docs", "ci", "deploy", "perf", "ui", "api", "metrics"]
        var branches = [
            FakeBranch(name: "trunk", sha: trunkHead, protected: true),
            FakeBranch(name: "main", sha: commits[0].sha),
            FakeBranch(name: "release/1.x", sha: commits[2].sha, protected: true),
            FakeBranch(name: "release/2.x", sha: commits[4].sha, protected: true),
        ]
        var index = 0
        while branches.count < count {
            branches.append(
                FakeBranch(
                    name: "feature/\(topics[index % topics.count])-\(String(format: "%03d", index))",
                    sha: random.pick(commits).sha))
            index += 1
        }
        return branches
    }
}
