import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import RSHTLS

/// A real `rshd`, started for a test on a free port and stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {
    let mode: ServerMode
    /// The options it was started with (beyond mode and address).
    let options: [String]
    let process: TestProcess
    let port: UInt16
    /// The server's host key (its TLS certificate's key).
    let hostKey: Ed25519PublicKey
    var address: String { "127.0.0.1:\(port)" }
    var processID: Int32 { process.processID }
    var statistics: ProcessStatistics { ProcessStatistics(processID: processID) }

    /// `descriptorLimit` starts rshd under `ulimit -n` that many; `launcher`
    /// is a command rshd is started through (`chrt --idle 0`); `listen` is
    /// its `--listen` (the port is read from its log: with several addresses
    /// give them one port).
    init(_ mode: ServerMode, _ extra: [String] = [], descriptorLimit: Int? = nil, launcher: [String] = [],
         listen: String = "127.0.0.1:0") throws {
        self.mode = mode
        options = extra
        _ = TestHome.hostKey
        let command = launcher + [Binaries.rshd, "--mode", mode.rawValue, "--listen", listen] + extra
        if let descriptorLimit {
            process = try TestProcess(["/bin/sh", "-c", "ulimit -n \(descriptorLimit) && exec \"$@\"", "sh"] + command)
        } else {
            process = try TestProcess(command)
        }
        LiveServers.add(process.processID)
        let start = ContinuousClock.now
        while true {
            // "listening on 127.0.0.1:PORT mode=..." (or "127.0.0.[1-20]:PORT ...").
            if let range = process.stderr.range(of: "listening on "), process.stderr[range.upperBound...].contains(" ") {
                let addresses = process.stderr[range.upperBound...].prefix { $0 != " " }
                if let port = UInt16(addresses.split(separator: ":").last ?? "") { self.port = port; break }
            }
            guard process.isRunning, start.duration(to: .now) < .seconds(20) else {
                throw TestFailure("rshd did not start: \(process.stderr)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        // rsh connects over TLS: known_hosts gets the server's key, as a user's `rsh keyscan` would.
        if let index = extra.firstIndex(of: "--host-key"), index + 1 < extra.count {
            hostKey = try Ed25519PrivateKey(fileContents: readFile(extra[index + 1])).publicKey
        } else {
            hostKey = TestHome.hostKey.publicKey
        }
        // Every address it listens on is a host to rsh (127.0.0.[1-20]:PORT is twenty).
        let hosts = (try? HostList.expand(listen)) ?? ["127.0.0.1"]
        TestHome.trust(hosts: hosts.map { $0.split(separator: ":").first.map(String.init) ?? $0 }, port: port, key: hostKey)
    }

    /// A test client as this server's clients must be: TLS with the
    /// pre-shared key or the tests' key when the server authenticates, in
    /// clear otherwise.
    func client() throws -> TestClient {
        if let index = options.firstIndex(of: "--key-file"), index + 1 < options.count {
            return try TestClient(port: port, tls: .preSharedKey(PreSharedKeyFile.load(options[index + 1])))
        }
        if options.contains("--authorized-keys") { return try TestClient(port: port, tls: .identity(TestHome.identity)) }
        return try TestClient(port: port)
    }

    /// A server on every address of `hosts` ("127.0.0.[1-20]"), on one
    /// port: a free port on 127.0.0.1 is almost always free on the others
    /// too, so a few random ones are tried.
    static func onEvery(_ hosts: String, _ mode: ServerMode, _ extra: [String] = []) throws -> ServerProcess {
        for _ in 0..<10 {
            if let server = try? ServerProcess(mode, extra, listen: "\(hosts):\(UInt16.random(in: 20_000...60_000))") { return server }
        }
        throw TestFailure("no port was free on every address of \(hosts)")
    }

    /// SIGTERM, then wait; returns the exit status.
    @discardableResult
    func stop(timeout: Duration = .seconds(20)) -> RSHProtocol.ExitStatus? {
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

/// Waits until `condition` holds, checking every 10 ms, for at most `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}
