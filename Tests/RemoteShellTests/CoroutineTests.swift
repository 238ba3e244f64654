import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

@Suite("Coroutine mode")
struct CoroutineTests {
    @Test("one loop stays fair: a client streaming output as fast as it can does not starve another")
    func fairness() throws {
        let server = try ServerProcess(.coroutine, ["--loops", "1"])
        let streaming = try TestClient(port: server.port)
        try streaming.handshake()
        let id = try streaming.exec("head -c 4000000000 /dev/zero")
        let received = Tally()
        let reader = try SystemThread.start {
            while let frame = try? streaming.readFrame(timeout: .seconds(10)), frame.type == "stdout" {
                received.add(frame.body.count)
            }
        }
        #expect(eventually { received.value > 10_000_000 }, "the stream did not start")
        let other = try TestClient(port: server.port)
        try other.handshake()
        for _ in 0..<20 {
            let start = ContinuousClock.now
            #expect(try other.run("echo hi").stdoutText == "hi\n")
            #expect(start.duration(to: .now) < .seconds(2))
        }
        try streaming.send(.signal(id: id, .kill))
        reader.join()
    }
}
