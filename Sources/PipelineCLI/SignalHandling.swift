import Dispatch
import Foundation
import Pipeline

/// SIGTERM and SIGINT stop the run (Kubernetes sends SIGTERM at the job's deadline): producing
/// stages end, sinks still deliver what they have with the health metrics, and the exit code says
/// what happened. A second signal exits at once.
enum SignalHandling {
    static func stoppingOnTermination<T: Sendable>(_ work: @escaping @Sendable (StopSignal) async -> T) async -> T {
        let stop = StopSignal()
        let sources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isFired { exit(128 + number) }
                FileHandle.standardError.write(Data("pipeline: signal \(number): stopping (again to exit now)\n".utf8))
                stop.fire()
            }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }
        return await work(stop)
    }
}
