import Foundation
import RSHTestSupport

extension ServerProcess {
    /// The server's descriptors once it has settled (other tests' connections
    /// to this server come and go, so only dedicated servers use this).
    var descriptorCount: Int { statistics.openDescriptorCount ?? -1 }

    /// The server's descriptors by kind ("pidfd 2, pipe 4, socket 3, ..."):
    /// what a failed `settles` left open.
    var descriptorKinds: String {
        var counts: [String: Int] = [:]
        for target in (statistics.openDescriptorTargets ?? [:]).values {
            // "socket:[123]" is a socket; "anon_inode:[pidfd]" a pidfd; a path is itself.
            let kind = target.hasPrefix("anon_inode:[") ? String(target.dropFirst("anon_inode:[".count).dropLast())
                : target.hasSuffix("]") ? String(target.prefix { $0 != ":" }) : target
            counts[kind, default: 0] += 1
        }
        return counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// Zombies among the server's children.
    var zombies: Int { statistics.children.filter { $0.state == "Z" }.count }

    /// Waits until the server is back to `baseline` descriptors (within `slack`) and has no zombie.
    func settles(to baseline: Int, slack: Int = 3, timeout: Duration = .seconds(10)) -> Bool {
        eventually(timeout: timeout) { abs(descriptorCount - baseline) <= slack && zombies == 0 }
    }

    /// The thread count once it has stayed the same for 300 ms.
    func settledThreadCount(timeout: Duration = .seconds(5)) -> Int {
        let deadline = ContinuousClock.now + timeout
        var last = statistics.threadCount ?? 0
        var steady = ContinuousClock.now
        while ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            let now = statistics.threadCount ?? 0
            if now != last {
                last = now
                steady = .now
            } else if steady.duration(to: .now) >= .milliseconds(300) {
                break
            }
        }
        return last
    }

    /// The server answers a command (it is alive and serving).
    func answers() throws -> Bool {
        let client = try client()
        try client.handshake()
        return try client.run("echo ok").stdoutText == "ok\n"
    }
}
