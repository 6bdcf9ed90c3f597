/// A stage that brings items into the pipeline: an API listing, a database read.
///
/// A source may also take inputs: it then runs once per upstream record (`input`), which
/// parameterises it (one GET per commit SHA, the commits of the repository's default branch).
public protocol Source: Sendable {
    func run(input: JSON?, output: Output, context: StageContext) async throws
}
