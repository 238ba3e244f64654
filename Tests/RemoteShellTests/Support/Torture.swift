import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// The robustness tests run short under `swift test` (and in CI), and at the
/// sizes of the issue under `scripts/torture.sh` (RSH_TORTURE=full).
enum Torture {
    static let full = ProcessIdentity.environmentValue("RSH_TORTURE") == "full"

    /// `short` normally, `full` in a torture run.
    static func size(_ short: Int, _ full: Int) -> Int { self.full ? full : short }
}

/// Runs `body(index)` on `count` threads at once and waits for all of them.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let threads = (0..<count).map { index in try! SystemThread.start { body(index) } }
    threads.forEach { $0.join() }
}

extension ServerProcess {
    /// The server's descriptors once it has settled (other tests' connections
    /// to this server come and go, so only dedicated servers use this).
    var descriptorCount: Int { statistics.openDescriptorCount ?? -1 }

    /// Zombies among the server's children.
    var zombies: Int { statistics.children.filter { $0.state == "Z" }.count }

    /// Waits until the server is back to `baseline` descriptors (within `slack`) and has no zombie.
    func settles(to baseline: Int, slack: Int = 3, timeout: Duration = .seconds(10)) -> Bool {
        eventually(timeout: timeout) { abs(descriptorCount - baseline) <= slack && zombies == 0 }
    }

    /// The server answers a command (it is alive and serving).
    func answers() throws -> Bool {
        let client = try TestClient(port: port, key: nil)
        try client.handshake()
        return try client.run("echo ok").stdoutText == "ok\n"
    }
}

/// The frames of one run of a transcript, grouped per command.
struct RunResult: Equatable {
    var stdout: [Int64: [UInt8]] = [:]
    var stderr: [Int64: [UInt8]] = [:]
    var exits: [Int64: [String: JSONValue]] = [:]
    var errors: [String] = []

    mutating func add(_ frame: Frame) {
        let id = frame["id"]?.integerValue ?? -1
        switch frame.type {
        case "stdout": stdout[id, default: []] += frame.body
        case "stderr": stderr[id, default: []] += frame.body
        case "exit":
            var header = frame.header
            header["duration_ms"] = nil
            exits[id] = header
        case "error": errors.append(frame["code"]?.stringValue ?? "?")
        default: break
        }
    }

    /// Whether this (partial) run shows nothing the full run did not: every
    /// command's output is a prefix of the full run's, every exit the same.
    func isConsistent(with full: RunResult) -> Bool {
        stdout.allSatisfy { full.stdout[$0.key, default: []].starts(with: $0.value) }
            && stderr.allSatisfy { full.stderr[$0.key, default: []].starts(with: $0.value) }
            && exits.allSatisfy { full.exits[$0.key] == $0.value }
    }
}
