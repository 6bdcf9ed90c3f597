import Foundation
import Pipeline
import Synchronization

/// Performs each exchange with libcurl and appends it, secrets removed, to a recording
/// (`HTTPRecording`): what `pipeline run --record DIR` sets on the run's client. Lines are
/// written as the answers come, so a run that fails or is stopped keeps what it had.
public final class RecordingTransport: HTTPExchangeHook {
    public let directory: String
    private let file: Mutex<FileHandle>

    /// Starts an empty recording in `directory` (made if missing; an earlier recording there is replaced).
    public init(directory: String) throws(HTTPRecordingError) {
        self.directory = directory
        let path = (directory as NSString).appendingPathComponent(HTTPRecording.fileName)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw HTTPRecordingError("cannot make the recording directory \(directory): \(error.localizedDescription)")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
        else { throw HTTPRecordingError("cannot write the recording \(path)") }
        self.file = Mutex(handle)
    }

    deinit { file.withLock { try? $0.close() } }

    public func exchange(
        _ request: HTTPRequest, perform: @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        // The whole answer, not what this run's stages keep of it: a recording serves later
        // versions of the pipeline too, which may read other fields. The caller applies its
        // selection when it parses.
        var whole = request
        whole.keeping = nil
        let response = try await perform(whole)
        let line = HTTPRecording.line(HTTPRecording.Exchange(request: whole, response: response))
        try file.withLock { handle throws(HTTPRecordingError) in
            do {
                try handle.write(contentsOf: Data(line.utf8))
            } catch {
                throw HTTPRecordingError("cannot write the recording in \(directory): \(error.localizedDescription)")
            }
        }
        return response
    }
}
