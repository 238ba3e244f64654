import Foundation
import RSHProtocol
import RSHSystem
import RSHTestSupport

/// A program run by a test, with its output going to files (so a chatty
/// program can never block on a full pipe). Built on the system layer's
/// spawn, not Foundation's Process: Process watches SIGCHLD for the whole
/// test process, which other tests' reaping must not race with.
final class TestProcess: @unchecked Sendable {
    let processID: Int32
    let stdoutPath: String
    let stderrPath: String
    private let exit: ProcessDescriptor
    private var status: RSHProtocol.ExitStatus?

    /// Starts `arguments`. `stdin`: bytes to feed then close, or nil for /dev/null.
    /// `environment`: `TestHome.environment` unless given.
    init(_ arguments: [String], stdin: [UInt8]? = nil, environment: [String]? = nil) throws {
        // Feeding stdin to a program that exits without reading it must be an
        // EPIPE for the writer, not a SIGPIPE that ends the whole test run.
        SignalDisposition.ignoreBrokenPipe()
        stdoutPath = Scratch.path("stdout")
        stderrPath = Scratch.path("stderr")
        let out = try FileDescriptor.open(stdoutPath, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        let err = try FileDescriptor.open(stderrPath, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        defer {
            out.closeAfterUse()
            err.closeAfterUse()
        }
        let pipe = stdin == nil ? nil : try FileDescriptor.pipe()
        let childInput = try pipe?.readEnd ?? FileDescriptor.open("/dev/null", .readOnly)
        defer { childInput.closeAfterUse() }
        let spawned: Int32
        do {
            spawned = try spawnProcess(arguments, SpawnSetup(standardInput: childInput, standardOutput: out, standardError: err,
                                                             environment: environment ?? TestHome.environment, searchPath: true))
        } catch {
            pipe?.writeEnd.closeAfterUse()
            throw error
        }
        processID = spawned
        exit = try ProcessDescriptor(processID: processID)
        if let stdin, let writer = pipe?.writeEnd {
            // The feeding thread owns the write end and is the only one to close
            // it: a second close could hit a number another test has reused.
            Thread.detachNewThread {
                try? writer.writeAll(stdin)
                writer.closeAfterUse()
            }
        }
    }

    deinit {
        if status == nil {
            signalProcessGroup(processID, .kill)
            _ = try? exit.reap(block: true)
        }
        exit.close()
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// Waits for the process to end; `nil` if it is still running at the deadline.
    @discardableResult
    func wait(timeout: Duration = .seconds(30)) -> RSHProtocol.ExitStatus? {
        if let status { return status }
        let events = try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: .now + timeout))
        guard events?.isEmpty == false else { return nil }
        status = try? exit.reap(block: true)
        return status
    }

    var isRunning: Bool {
        (try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: 0))?.isEmpty ?? false
    }

    func signal(_ signal: Signal) { try? signalProcess(processID, signal) }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var stdoutBytes: [UInt8] { (try? readFile(stdoutPath)) ?? [] }

    /// The exit status as a shell reports it: the code, or 128 + the signal.
    var shellStatus: Int32? { status?.shellStatus }

    /// Runs to completion and returns the shell status (nil on timeout).
    static func run(_ arguments: [String], stdin: [UInt8]? = nil, environment: [String]? = nil,
                    timeout: Duration = .seconds(30)) throws -> TestProcess {
        let process = try TestProcess(arguments, stdin: stdin, environment: environment)
        process.wait(timeout: timeout)
        return process
    }
}
