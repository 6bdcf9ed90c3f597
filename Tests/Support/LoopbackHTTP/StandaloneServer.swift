import Dispatch
import Foundation

/// The way the fakes' standalone servers (`fake-github`, `fake-asana`, …) run: print the base URL
/// on a line of its own, then serve until SIGTERM or SIGINT, when `stop` runs and the process
/// exits 0.
public enum StandaloneServer {
    public static func run(announcing baseURL: String, stop: @escaping @Sendable () -> Void) -> Never {
        // Signals become Dispatch events: stop the server cleanly, then exit.
        for signalNumber in [SIGTERM, SIGINT] { signal(signalNumber, SIG_IGN) }
        let sources = [SIGTERM, SIGINT].map { signalNumber in
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler {
                stop()
                exit(0)
            }
            source.resume()
            return source
        }
        // Written straight to the descriptor: no stdio buffer to forget to flush.
        FileHandle.standardOutput.write(Data((baseURL + "\n").utf8))
        withExtendedLifetime(sources) { dispatchMain() }
    }
}
