import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// What makes the three modes different, measured. The only timing checks in
/// the suite, with wide margins: a shared machine is noisy.
@Suite("Mode comparison")
struct ModeComparisonTests {
    @Test("8 clients run sleep 0.5 at once: blocking serializes them, threaded and coroutine overlap them",
          arguments: ServerMode.allCases)
    func eightSleeps(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let start = ContinuousClock.now
        // Eight real threads (concurrentPerform would run only one per core).
        let threads = (0..<8).map { _ in
            try! SystemThread.start {
                let result = try? TestClient(port: server.port).run(afterHandshake: "sleep 0.5")
                #expect(result?.code == 0)
            }
        }
        threads.forEach { $0.join() }
        let elapsed = start.duration(to: .now)
        if mode == .blocking {
            #expect(elapsed >= .seconds(4), "blocking mode took \(elapsed)")
        } else {
            #expect(elapsed < .seconds(1), "\(mode) mode took \(elapsed)")
        }
    }

    @Test("with 200 connections open, the coroutine server keeps its thread count; the threaded one grows")
    func threadCounts() throws {
        for mode in [ServerMode.coroutine, .threaded] {
            let server = try ServerProcess(mode)
            let first = try TestClient(port: server.port)
            try first.handshake()
            let baseline = try #require(server.statistics.threadCount)
            var clients: [TestClient] = []
            for _ in 0..<200 {
                let client = try TestClient(port: server.port)
                try client.handshake()
                clients.append(client)
            }
            #expect(try clients.last!.run("echo alive").stdoutText == "alive\n")
            let loaded = try #require(server.statistics.threadCount)
            if mode == .coroutine {
                #expect(loaded == baseline, "coroutine threads: \(baseline) with 1 connection, \(loaded) with 201")
            } else {
                #expect(loaded >= baseline + 150, "threaded threads: \(baseline) with 1 connection, \(loaded) with 201")
            }
        }
    }
}

extension TestClient {
    /// Handshake, then one command.
    func run(afterHandshake command: String) throws -> Result {
        try handshake()
        return try run(command)
    }
}
