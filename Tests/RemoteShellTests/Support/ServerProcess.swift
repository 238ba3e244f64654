import Foundation
import Synchronization
import RemoteShell
import RSHSystem
import RSHTestSupport
import Testing

/// A real `rshd`, started for a test on a free port and stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {
    let mode: ServerMode
    let process: TestProcess
    let port: UInt16
    var address: String { "127.0.0.1:\(port)" }
    var processID: Int32 { process.processID }
    var statistics: ProcessStatistics { ProcessStatistics(processID: processID) }

    /// `descriptorLimit` starts rshd under `ulimit -n` that many; `launcher`
    /// is a command rshd is started through (`chrt --idle 0`).
    init(_ mode: ServerMode, _ extra: [String] = [], descriptorLimit: Int? = nil, launcher: [String] = []) throws {
        self.mode = mode
        let command = launcher + [Binaries.rshd, "--mode", mode.rawValue, "--listen", "127.0.0.1:0"] + extra
        if let descriptorLimit {
            process = try TestProcess(["/bin/sh", "-c", "ulimit -n \(descriptorLimit) && exec \"$@\"", "sh"] + command)
        } else {
            process = try TestProcess(command)
        }
        LiveServers.add(process.processID)
        let start = ContinuousClock.now
        while true {
            if let range = process.stderr.range(of: "listening on 127.0.0.1:") {
                let digits = process.stderr[range.upperBound...].prefix { $0.isNumber }
                if let port = UInt16(digits) { self.port = port; break }
            }
            guard process.isRunning, start.duration(to: .now) < .seconds(20) else {
                throw TestFailure("rshd did not start: \(process.stderr)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// SIGTERM, then wait; returns the exit status.
    @discardableResult
    func stop(timeout: Duration = .seconds(20)) -> RSHSystem.ExitStatus? {
        process.signal(.terminate)
        defer { LiveServers.remove(process.processID) }
        return process.wait(timeout: timeout)
    }

    deinit { stop() }

    var log: String { process.stderr }

    /// How many commands whose log line contains `text` the server has run, by
    /// its own account: at the default log level it writes one line per
    /// finished command ("conn=N cmd=M ... command=...").
    func commandsRun(containing text: String = "") -> Int {
        log.split(separator: "\n").count { $0.contains(" cmd=") && $0.contains(text) }
    }

    /// Runs `rsh` against this server.
    func rsh(_ arguments: [String], options: [String] = [], stdin: [UInt8]? = nil, timeout: Duration = .seconds(30)) throws -> TestProcess {
        try TestProcess.run([Binaries.rsh] + options + [address] + arguments, stdin: stdin, timeout: timeout)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Waits until `condition` holds, checking every 10 ms, for at most `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

/// Servers still running, stopped when the test process exits: the shared
/// servers live in statics, which are never deinitialized.
enum LiveServers {
    private static let processIDs = Mutex<Set<Int32>>([])
    private static let registerCleanup: Void = {
        atexit {
            for processID in LiveServers.processIDs.withLock({ $0 }) { try? signalProcess(processID, .kill) }
        }
    }()

    static func add(_ processID: Int32) {
        registerCleanup
        processIDs.withLock { _ = $0.insert(processID) }
    }

    static func remove(_ processID: Int32) {
        processIDs.withLock { _ = $0.remove(processID) }
    }
}

/// A pre-shared key for the tests, in a file with mode 0600.
enum TestKey {
    static let path: String = {
        let path = Scratch.path("key")
        try! KeyFile.generate(path)
        return path
    }()

    static var bytes: [UInt8] { try! KeyFile.load(path) }
}
