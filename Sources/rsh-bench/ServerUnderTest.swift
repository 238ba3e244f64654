import RemoteShell
import RSHSystem
import RSHTestSupport
import Synchronization

/// A real `rshd` started for one measurement, logging to a file.
final class ServerUnderTest {
    let mode: ServerMode
    let processID: Int32
    let address: SocketAddress
    private let exit: ProcessDescriptor
    private let logPath: String

    init(binary: String, mode: ServerMode, extra: [String] = []) throws {
        self.mode = mode
        logPath = "/tmp/rsh-bench-\(ProcessIdentity.processID)-\(mode.rawValue).log"
        let log = try FileDescriptor.open(logPath, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        let null = try FileDescriptor.open("/dev/null", .readWrite)
        defer {
            log.closeAfterUse()
            null.closeAfterUse()
        }
        processID = try spawnProcess([binary, "--mode", mode.rawValue, "--listen", "127.0.0.1:0",
                                      "--max-connections", "20000", "--max-unauthenticated", "20000", "--log-level", "notice"] + extra,
                                     SpawnSetup(standardInput: null, standardOutput: null, standardError: log, searchPath: false))
        exit = try ProcessDescriptor(processID: processID)
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let text = readTextFile(logPath) ?? ""
            if let range = text.firstRange(of: "listening on 127.0.0.1:"),
               let port = UInt16(text[range.upperBound...].prefix { $0.isNumber }) {
                address = .ipv4(host: "127.0.0.1", port: port)
                break
            }
            guard ContinuousClock.now < deadline, (try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: 5))?.isEmpty ?? false else {
                throw BenchError("rshd (\(mode.rawValue)) did not start: \(text)")
            }
        }
    }

    var statistics: ProcessStatistics { ProcessStatistics(processID: processID) }

    func stop() {
        try? signalProcess(processID, .terminate)
        if (try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: 20_000))?.isEmpty ?? true {
            try? signalProcess(processID, .kill)
        }
        _ = try? exit.reap(block: true)
        exit.close()
        try? removeFile(atPath: logPath)
    }
}
