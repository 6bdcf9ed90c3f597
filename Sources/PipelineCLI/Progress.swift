import Foundation
import Pipeline
import Synchronization

/// A progress line on stderr while points flow (only on a terminal; logs stay clean otherwise).
enum Progress {
    static let isTerminal = isatty(2) == 1
    private static let state = Mutex<(count: Int, lastDraw: Double)>((0, 0))

    /// A points → points stage that counts what passes, drawn at most ten times a second.
    struct Counter: BatchTransform {
        func transform(_ batch: [Item], into output: inout [Item], context: StageContext) throws {
            output.append(contentsOf: batch)
            let (count, draw) = state.withLock { state -> (Int, Bool) in
                state.count += batch.count
                let now = Timestamp.now()
                guard now - state.lastDraw >= 0.1 else { return (state.count, false) }
                state.lastDraw = now
                return (state.count, true)
            }
            if draw { Progress.draw(count) }
        }
    }

    static let kind = StageKind.batch(
        "progress", summary: "counts points on stderr", options: NoOptions.self, example: [:], reads: .points,
        writes: .points, fieldsRead: { _ in .everything }, optionDocs: [:]
    ) { _ in Counter() }

    /// `plan` with a progress stage feeding the stage named `sink`.
    static func inserted(into plan: PipelinePlan, before sink: String) -> PipelinePlan {
        guard isTerminal, let index = plan.stages.firstIndex(where: { $0.name == sink }),
            let built = try? kind.make(options: [:], path: [])
        else { return plan }
        var inserted = plan
        let progress = PipelinePlan.Stage(name: "progress", kind: kind, built: built, inputs: plan.stages[index].inputs)
        inserted.stages[index].inputs = ["progress"]
        inserted.stages.insert(progress, at: index)
        return inserted
    }

    static func draw(_ count: Int) {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(count.formatted()) points".utf8))
    }

    static func finish() {
        guard isTerminal else { return }
        let count = state.withLock { $0.count }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(count.formatted()) points\n".utf8))
    }
}
