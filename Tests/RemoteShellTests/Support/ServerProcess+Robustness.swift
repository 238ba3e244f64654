import Foundation
import RSHSystem
import RSHTestSupport

extension ServerProcess {
    /// The server's descriptors once it has settled (other tests' connections
    /// to this server come and go, so only dedicated servers use this).
    var descriptorCount: Int { statistics.openDescriptorCount ?? -1 }

    /// The server's descriptors by kind ("socket 4, pipe 2, epoll 2, ..."),
    /// from the targets of /proc/PID/fd: what a failed `settles` left open.
    var descriptorKinds: String {
        let directory = "/proc/\(processID)/fd"
        var counts: [String: Int] = [:]
        for name in directoryEntries(directory) ?? [] {
            guard let target = readLinkTarget(directory + "/" + name) else { continue }
            let kind: String
            if target.hasPrefix("socket:") {
                kind = "socket"
            } else if target.hasPrefix("pipe:") {
                kind = "pipe"
            } else if target.hasPrefix("anon_inode:") {
                kind = target.dropFirst("anon_inode:".count).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            } else {
                kind = target
            }
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
