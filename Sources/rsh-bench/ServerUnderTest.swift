import RemoteShell
import RSHSystem
import RSHTestSupport
import Synchronization

/// A real server started for one workload (`rshd`, a peer's Python server,
/// `sshd`), its stdout and stderr going to a log file, ready once the log
/// announces the port it listens on.
final class ServerUnderTest {
    let name: String
    let processID: Int32
    let address: SocketAddress
    private let exit: ProcessDescriptor
    private let logPath: String

    /// Starts `arguments` (the program by its path, or searched in `PATH`)
    /// and waits until its log holds `announcement` followed by the port;
    /// or only the announcement, for a server told its port (`known`).
    init(name: String, arguments: [String], environment: [String]? = nil, announcement: String, known: SocketAddress? = nil) throws {
        self.name = name
        logPath = "/tmp/rsh-bench-\(ProcessIdentity.processID)-\(name.replacingAll(" ", with: "-")).log"
        let log = try FileDescriptor.open(logPath, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        let null = try FileDescriptor.open("/dev/null", .readWrite)
        defer {
            log.closeAfterUse()
            null.closeAfterUse()
        }
        var setup = SpawnSetup(standardInput: null, standardOutput: log, standardError: log, environment: environment,
                               searchPath: !arguments[0].contains("/"))
        if setup.searchPath, let path = resolveExecutable(arguments[0], searchPath: ProcessIdentity.environmentValue("PATH") ?? "") {
            setup.program = path
            setup.searchPath = false
        }
        processID = try spawnProcess(arguments, setup)
        exit = try ProcessDescriptor(processID: processID)
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let text = readTextFile(logPath) ?? ""
            if let range = text.firstRange(of: announcement) {
                if let known {
                    address = known
                    break
                }
                if let port = UInt16(text[range.upperBound...].prefix { $0.isNumber }) {
                    address = .ipv4(host: "127.0.0.1", port: port)
                    break
                }
            }
            guard ContinuousClock.now < deadline, (try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: 5))?.isEmpty ?? false else {
                let lastLines = text.split(separator: "\n").suffix(3).joined(separator: " / ")
                Self.stop(processID, exit)
                try? removeFile(atPath: logPath)
                throw BenchError("\(name) did not start" + (lastLines.isEmpty ? "" : ": \(lastLines)"))
            }
        }
    }

    /// `rshd` in `mode` on a free loopback port, with the harness's limits
    /// (BENCHMARKS.md, "Method") and `extra` options.
    static func rshd(_ binary: String, mode: ServerMode, extra: [String] = []) throws -> ServerUnderTest {
        try ServerUnderTest(name: "rshd \(mode.rawValue)",
                            arguments: [binary, "--mode", mode.rawValue, "--listen", "127.0.0.1:0"] + harnessLimits + extra,
                            announcement: "listening on 127.0.0.1:")
    }

    /// `rshd` in `mode` listening on every address of `hosts` (a range:
    /// `127.0.[0-3].[1-250]`) at `port`: one server as many hosts. Its
    /// `address` is the first host's.
    static func rshd(_ binary: String, mode: ServerMode, hosts: String, port: UInt16, extra: [String] = []) throws -> ServerUnderTest {
        let names = try HostList.expand(hosts)
        // rshd announces its addresses folded into ranges, as HostList folds them.
        let listening = HostList.fold(names.map { "\($0):\(port)" })
        return try ServerUnderTest(name: "rshd \(mode.rawValue) hosts",
                                   arguments: [binary, "--mode", mode.rawValue, "--listen", "\(hosts):\(port)"] + harnessLimits + extra,
                                   announcement: "listening on \(listening) ", known: .ipv4(host: names[0], port: port))
    }

    /// Connections far beyond any workload's, and a log of starts and stops only.
    private static let harnessLimits = ["--max-connections", "20000", "--max-unauthenticated", "20000", "--log-level", "notice"]

    var statistics: ProcessStatistics { ProcessStatistics(processID: processID) }

    func stop() {
        Self.stop(processID, exit)
        try? removeFile(atPath: logPath)
    }

    /// TERM, up to 20 s for a graceful exit, then KILL; always reaped.
    private static func stop(_ processID: Int32, _ exit: ProcessDescriptor) {
        try? signalProcess(processID, .terminate)
        if (try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: 20_000))?.isEmpty ?? true {
            try? signalProcess(processID, .kill)
        }
        _ = try? exit.reap(block: true)
        exit.close()
    }
}
