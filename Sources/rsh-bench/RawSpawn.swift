import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// A command string run with no server and no protocol, one of the two ways
/// a shell command line can run: its words executed directly, or
/// `/bin/sh -c TEXT`. The raw limit of a spawn workload is the faster of the
/// two, measured in the same round as the servers.
///
/// The loop is bare on purpose, and shares nothing with the server's spawn
/// layer but the spawn call itself (`spawnProcess`, which `rshd` uses too):
/// no fast-path decision, no environment rewriting, no `PATH` search per
/// command (the program is found once, before the loop), no process
/// descriptor for an event loop. Per command: two pipes, the spawn, `poll`
/// and `read` until both pipes end, and the reap.
struct RawSpawn {
    enum Path: String, CaseIterable, Sendable {
        /// The command's words, executed by their path (coreutils' `echo` for `echo hi`).
        case direct = "direct exec"
        /// `/bin/sh -c TEXT`: dash runs builtins such as `echo` in its own process.
        case shell = "sh -c"
    }

    let command: String
    let path: Path
    /// What `spawnProcess` is given.
    private let arguments: [String]
    private let program: String

    /// `nil` when the command cannot run on `path`: a direct exec needs a
    /// command line with no shell syntax whose first word is a program in `PATH`.
    init?(_ command: String, _ path: Path) {
        self.command = command
        self.path = path
        switch path {
        case .direct:
            guard let words = ShellFastPath.plainWords(of: command), let first = words.first else { return nil }
            if first.contains("/") {
                program = first
            } else {
                guard let found = resolveExecutable(first, searchPath: ProcessIdentity.environmentValue("PATH") ?? "/usr/bin:/bin") else {
                    return nil
                }
                program = found
            }
            arguments = words
        case .shell:
            program = "/bin/sh"
            arguments = ["/bin/sh", "-c", command]
        }
    }

    /// The children's stdin, opened once, as the server does.
    private static let devNull = Result { () throws(Errno) in try FileDescriptor.open("/dev/null", .readOnly) }

    /// Runs the command once; its stdout, and its status.
    func run(buffer: UnsafeMutableRawBufferPointer) throws -> (stdout: Int, status: ExitStatus) {
        let output = try FileDescriptor.pipe()
        let errors: (readEnd: FileDescriptor, writeEnd: FileDescriptor)
        do {
            errors = try FileDescriptor.pipe()
        } catch {
            output.readEnd.closeAfterUse()
            output.writeEnd.closeAfterUse()
            throw error
        }
        defer {
            output.readEnd.closeAfterUse()
            errors.readEnd.closeAfterUse()
        }
        var setup = SpawnSetup(standardInput: try Self.devNull.get(), standardOutput: output.writeEnd,
                               standardError: errors.writeEnd, searchPath: false)
        setup.program = program
        let processID: Int32
        do {
            processID = try spawnProcess(arguments, setup)
            output.writeEnd.closeAfterUse()
            errors.writeEnd.closeAfterUse()
        } catch {
            output.writeEnd.closeAfterUse()
            errors.writeEnd.closeAfterUse()
            throw BenchError("\(path.rawValue) of \(command): \(error)")
        }
        let exit = try ProcessDescriptor.ofChild(processID)
        defer { exit.close() }
        var received = 0
        var requests = [PollRequest(output.readEnd, .readable), PollRequest(errors.readEnd, .readable)]
        while !requests.isEmpty {
            try poll(&requests, timeoutMilliseconds: -1)
            for index in requests.indices.reversed() where !requests[index].returned.isEmpty {
                let count = try requests[index].descriptor.read(into: buffer)
                if count == 0 {
                    requests.remove(at: index)
                } else if requests[index].descriptor == output.readEnd {
                    received += count
                }
            }
        }
        guard let status = try exit.reap(block: true) else { throw BenchError("\(command) was not reaped") }
        return (received, status)
    }

    /// `count` runs in a row; commands per second. Every run must give the
    /// stdout size and status of a first, untimed run.
    func sequentialRate(count: Int) throws -> Double {
        let expected = try runs(1, expected: nil)
        let start = ContinuousClock.now
        try runs(count, expected: expected)
        return Double(count) / start.duration(to: .now).seconds
    }

    /// The same on one thread per core, `countPerWorker` each; commands per second in all.
    func parallelRate(countPerWorker: Int) throws -> Double {
        let expected = try runs(1, expected: nil)
        let workers = ProcessIdentity.processorCount
        let failures = Tally()
        let start = ContinuousClock.now
        let threads = try (0..<workers).map { _ in
            try SystemThread.start { [self] in
                if (try? runs(countPerWorker, expected: expected)) == nil { failures.add(1) }
            }
        }
        threads.forEach { $0.join() }
        guard failures.value == 0 else { throw BenchError("\(path.rawValue) of \(command) failed in parallel") }
        return Double(workers * countPerWorker) / start.duration(to: .now).seconds
    }

    /// `count` runs, each checked against `expected` when given; the last one's result.
    @discardableResult
    private func runs(_ count: Int, expected: (stdout: Int, status: ExitStatus)?) throws -> (stdout: Int, status: ExitStatus) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        var result = (stdout: 0, status: ExitStatus.exited(0))
        for _ in 0..<count {
            result = try run(buffer: buffer)
            if let expected, result != expected {
                throw BenchError("\(path.rawValue) of \(command): \(result) where the first run gave \(expected)")
            }
        }
        return result
    }

    /// How long one run takes, `count` times: the raw cost of a one-shot.
    func latencies(count: Int) throws -> [Duration] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        return try (0..<count).map { _ in
            let start = ContinuousClock.now
            let result = try run(buffer: buffer)
            guard result.status == .exited(0) else { throw BenchError("\(path.rawValue) of \(command): \(result.status)") }
            return start.duration(to: .now)
        }
    }
}
