import Foundation
import Glibc
import SkyPilotPeer
import Testing

/// The real SkyPilot API server (skypilot 0.14.1 from .venv-test) as a test peer: it starts on
/// a free port with a temporary HOME, answers the async protocol, and stops with all its workers.
@Suite(
    "SkyPilot peer",
    .enabled(if: SkyPilotServer.unavailableReason == nil, "needs skypilot 0.14.1 in .venv-test: scripts/setup-test-peers.sh"))
struct SkyPilotPeerTests {
    @Test("the real server answers /api/health and POST /status + /api/get with return_value \"[]\"; stop ends every process")
    func realServer() async throws {
        let server = try await SkyPilotServer.start()
        let group = try #require(server.processGroup)
        let http = TestHTTP()
        do {
            let health = try await http.get(server.endpoint + "/api/health")
            #expect(health.status == 200)
            #expect(health.object["status"] as? String == "healthy")
            #expect(health.object["version"] as? String == SkyPilotServer.version)
            #expect(health.object["api_version"] as? String == "62")
            let (submit, answer) = try await http.read(
                server.endpoint, "/status", json: #"{"all_users": true, "refresh": "NONE", "include_credentials": false}"#)
            #expect(String(decoding: submit.data, as: UTF8.self) == "null")
            #expect(answer.status == 200)
            #expect(answer.object["name"] as? String == "sky.status")
            #expect(answer.object["status"] as? String == "SUCCEEDED")
            #expect(answer.object["return_value"] as? String == "[]")
            #expect(answer.object["error"] as? String == "null")
            let megabytes = (server.residentBytes ?? 0) / 1_048_576
            print("SkyPilot peer: healthy after \(server.startupSeconds) s, \(megabytes) MB resident (all processes)")
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        #expect(SkyPilotServer.groupSize(group) == 0)
        #expect(!FileManager.default.fileExists(atPath: server.home))
    }
}
