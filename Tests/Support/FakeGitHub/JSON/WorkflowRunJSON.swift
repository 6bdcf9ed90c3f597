import Foundation

extension GitHubRenderer {
    /// An item of GET /actions/runs ("workflow-run").
    func workflowRun(_ run: FakeWorkflowRun, workflow: FakeWorkflow?) -> JSONObject {
        let url = "\(repoAPI)/actions/runs/\(run.id)"
        let path = workflow?.path ?? ".github/workflows/unknown.yml"
        return [
            "id": run.id, "name": run.name, "node_id": "WFR_kwLO\(run.id)", "head_branch": run.headBranch,
            "head_sha": run.headSHA, "path": path, "display_title": "\(run.name) on \(run.headBranch)",
            "run_number": run.runNumber, "event": run.event, "status": run.status,
            "conclusion": run.conclusion, "workflow_id": run.workflowID,
            "check_suite_id": run.id / 3, "check_suite_node_id": "CS_kwDO\(run.id / 3)", "url": url,
            "html_url": "\(repoHTML)/actions/runs/\(run.id)", "pull_requests": [] as [JSONValue],
            "created_at": GitHubDate.format(run.createdAt), "updated_at": GitHubDate.format(run.updatedAt),
            "actor": user(run.actorLogin), "run_attempt": run.runAttempt,
            "referenced_workflows": [] as [JSONValue], "run_started_at": GitHubDate.format(run.runStartedAt),
            "triggering_actor": user(run.actorLogin), "jobs_url": "\(url)/jobs", "logs_url": "\(url)/logs",
            "check_suite_url": "\(repoAPI)/check-suites/\(run.id / 3)", "artifacts_url": "\(url)/artifacts",
            "cancel_url": "\(url)/cancel", "rerun_url": "\(url)/rerun",
            "previous_attempt_url": run.runAttempt > 1 ? "\(url)/attempts/\(run.runAttempt - 1)" : JSONBody.null,
            "workflow_url": "\(repoAPI)/actions/workflows/\(run.workflowID)",
            "head_commit": [
                "id": run.headSHA, "tree_id": String(run.headSHA.reversed()), "message": "Commit \(run.headSHA.prefix(7))",
                "timestamp": GitHubDate.format(run.createdAt.addingTimeInterval(-60)),
                "author": ["name": "Octo Cat", "email": "octocat@github.com"] as JSONObject,
                "committer": ["name": "GitHub", "email": "noreply@github.com"] as JSONObject,
            ] as JSONObject,
            "repository": minimalRepository(), "head_repository": minimalRepository(),
        ]
    }

    /// An item of GET /actions/workflows.
    func workflow(_ workflow: FakeWorkflow, created: Date) -> JSONObject {
        [
            "id": workflow.id, "node_id": "W_kwDO\(workflow.id)", "name": workflow.name, "path": workflow.path,
            "state": "active", "created_at": GitHubDate.format(created), "updated_at": GitHubDate.format(created),
            "url": "\(repoAPI)/actions/workflows/\(workflow.id)",
            "html_url": "\(repoHTML)/blob/main/\(workflow.path)",
            "badge_url": "\(repoHTML)/workflows/\(workflow.name)/badge.svg",
        ]
    }
}
