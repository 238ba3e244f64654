import RSHProtocol
import RSHSpawn
import RSHSystem

/// A real client program (`rsh`, `ssh`) run as a user runs it: one process
/// per command, timed from its spawn to its reap.
enum ClientRuns {
    /// `count` runs of `arguments`; how long each took. Each must exit 0.
    /// `environment`: variables set for the client (rsh's `HOME`).
    static func latencies(_ arguments: [String], count: Int, environment: [String: String] = [:]) throws -> [Duration] {
        try (0..<count).map { _ in
            let start = ContinuousClock.now
            let run = try ChildProcess.run(CommandSpec(.argv(arguments), environment: environment), timeout: .seconds(60))
            let elapsed = start.duration(to: .now)
            guard run.result.status == .exited(0) else {
                throw BenchError("\(arguments.joined(separator: " ")): \(run.result.status): \(String(decoding: run.stderr, as: UTF8.self))")
            }
            return elapsed
        }
    }

    /// One client process to its end: how long it took from spawn to reap,
    /// its CPU time with that of the children it reaped (`wait4`), and its
    /// own peak resident set: `VmHWM` sampled every 10 ms while it runs
    /// (`ru_maxrss` would say this process's size: see `ChildUsage`).
    struct Run {
        var elapsed: Duration
        var cpuSeconds: Double
        var peakResidentBytes: Int
    }

    /// One run of `arguments`, which must exit 0 and print nothing. Its
    /// stdout and stderr go to one file, read after.
    static func silentRun(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let outputPath = "/tmp/rsh-bench-\(ProcessIdentity.processID)-client.out"
        let output = try FileDescriptor.open(outputPath, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        let null = try FileDescriptor.open("/dev/null", .readOnly)
        defer {
            output.closeAfterUse()
            null.closeAfterUse()
            try? removeFile(atPath: outputPath)
        }
        let variables = currentEnvironment().filter { entry in !environment.keys.contains { entry.hasPrefix($0 + "=") } }
            + environment.map { "\($0.key)=\($0.value)" }
        let start = ContinuousClock.now
        // The spawn returns once the child has executed (vfork), so every sample is of the client's own memory.
        let processID = try spawnProcess(arguments, SpawnSetup(standardInput: null, standardOutput: output, standardError: output,
                                                               environment: variables, searchPath: !arguments[0].contains("/")))
        let exit = try ProcessDescriptor.ofChild(processID)
        defer { exit.close() }
        let sampler = try? Sampler(processID: processID)
        // The sampler stops before the reap, after which the ID may name another process.
        _ = try? exit.descriptor.poll(for: .readable, timeoutMilliseconds: -1)
        let memory = sampler?.stop()
        let (status, usage) = try exit.reapCountingUsage()
        let elapsed = start.duration(to: .now)
        let printed = (try? readFile(outputPath)) ?? []
        guard status == .exited(0), printed.isEmpty else {
            let text = String(decoding: printed.prefix(2048), as: UTF8.self)
            throw BenchError("\(arguments.joined(separator: " ")): \(status)\(text.isEmpty ? "" : ": " + text)")
        }
        return Run(elapsed: elapsed, cpuSeconds: usage.cpuSeconds, peakResidentBytes: memory?.highWater ?? 0)
    }

    /// One run of `arguments`, whose command writes `bytes` on stdout, read
    /// by this process as it arrives; bytes per second.
    static func streamRate(_ arguments: [String], bytes: Int, environment: [String: String] = [:]) throws -> Double {
        let start = ContinuousClock.now
        let child = try ChildProcess(CommandSpec(.argv(arguments), environment: environment))
        var received = 0
        var errors: [UInt8] = []
        child.drain { kind, chunk in
            if kind == .stdout { received += chunk.count } else if errors.count < 4096 { errors += chunk }
        }
        let outcome = child.finish()
        let elapsed = start.duration(to: .now)
        guard outcome.status == .exited(0), received == bytes else {
            throw BenchError("\(arguments[0]): \(outcome.status), \(received) of \(bytes) bytes: \(String(decoding: errors, as: UTF8.self))")
        }
        return Double(bytes) / elapsed.seconds
    }
}
