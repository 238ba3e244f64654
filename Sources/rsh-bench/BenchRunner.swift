import RemoteShell
import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTLS

/// Runs every workload on every mode, each on a fresh server, and measures
/// the raw limits right before the runs that are compared with them.
struct BenchRunner {
    let binaries: String
    let smoke: Bool
    let generator: LoadGenerator
    let only: Set<Workload>
    let modes: [ServerMode]
    /// Extra `rshd` options for every server started (`--rshd-arg`).
    let serverArguments: [String]
    /// The rsh processes' home: a key pair, and known_hosts for the servers.
    let home: BenchHome
    let log: (String) -> Void

    func runAll() throws -> [BenchResult] {
        var results: [BenchResult] = []
        for workload in Workload.allCases where only.contains(workload) {
            for mode in workload.modes where modes.contains(mode) {
                log("\(workload.rawValue) on \(mode.rawValue)...")
                results.append(try run(workload, on: mode))
            }
        }
        return results
    }

    /// Sizes: (full, smoke).
    private func size(_ full: Int, _ smokeSize: Int) -> Int { smoke ? smokeSize : full }

    private func run(_ workload: Workload, on mode: ServerMode) throws -> BenchResult {
        // The raw limit is measured in the same run, next to the server's
        // measurement (interleaved, in `measure`): the machine is shared and
        // its speed drifts from minute to minute.
        // The one-shot over TLS logs in with a key, as a user would; the
        // others need no client authentication (the TLS stream is compared
        // with the plain one on the same server).
        let loginOptions = workload == .oneShot ? ["--authorized-keys", home.authorizedKeys] : []
        let server = try ServerUnderTest(binary: binaries + "/rshd", mode: mode,
                                         extra: serverArguments + ["--host-key", home.hostKey] + loginOptions)
        defer { server.stop() }
        let tls = workload.generatorSpeaksTLS ? try TLSContext(role: .client, identity: home.identity, peerKeys: .anyKey) : nil
        // One command first, so the baseline includes a warmed-up server.
        _ = try generator.run { [address = server.address, loop = generator.loop, tls] in
            try await BenchClient.session(to: address, loop: loop, tls: tls) { try await $0.run("true").bytes }
        }
        let baselineRSS = server.statistics.residentBytes ?? 0
        let cpuBefore = server.statistics.cpuSeconds ?? 0
        let generatorBefore = LoadGenerator.processCPUSeconds
        let sampler = try Sampler(processID: server.processID)
        let start = ContinuousClock.now
        let measured = try measure(workload, server, tls: tls)
        let elapsed = start.duration(to: .now).seconds
        let peaks = sampler.stop()
        let peakRSS = max(peaks.resident, server.statistics.peakResidentBytes ?? 0)

        let limit = measured.limit
        var result = BenchResult(workload: workload, mode: mode, value: measured.value, unit: measured.unit,
                                 p50: measured.latencies.percentile(0.5), p99: measured.latencies.percentile(0.99),
                                 serverCPUSeconds: (server.statistics.cpuSeconds ?? 0) - cpuBefore,
                                 peakRSSMiB: Double(peakRSS) / 1_048_576,
                                 rssGrowthMiB: Double(max(0, peakRSS - baselineRSS)) / 1_048_576,
                                 threads: peaks.threads,
                                 generatorShare: (LoadGenerator.processCPUSeconds - generatorBefore) / elapsed,
                                 limit: limit, ratio: measured.ratio ?? limit.map { measured.value / $0 }, note: measured.note)
        judge(&result)
        return result
    }

    /// Sets the target each workload is judged against, and whether it is met.
    private func judge(_ result: inout BenchResult) {
        let mode = result.mode
        switch result.workload {
        case .sequentialEcho:
            result.target = ">= 0.85 x raw sequential spawn"
            result.met = (result.ratio ?? 0) >= 0.85
        case .concurrent16, .concurrent64:
            guard mode != .blocking else { return }
            result.target = ">= 0.80 x raw parallel spawn"
            result.met = (result.ratio ?? 0) >= 0.80
        case .stream:
            result.target = ">= 0.6 x raw relay, RSS growth < 16 MiB"
            result.met = (result.ratio ?? 0) >= 0.6 && result.rssGrowthMiB < 16
        case .streamTLS:
            result.target = ">= 0.75 x the same stream in plain v1"
            result.met = (result.ratio ?? 0) >= 0.75
        case .sleep1000:
            guard mode == .coroutine else { return }
            result.target = "<= 1.5 s, RSS < 64 MiB"
            result.met = result.value <= 1.5 && result.peakRSSMiB < 64
        case .idle:
            guard mode == .coroutine else { return }
            result.target = "RSS < 100 MiB, new client echo < 50 ms"
            result.met = result.peakRSSMiB < 100 && (result.p50 ?? .infinity) < 50
        case .idleTLS:
            guard mode == .coroutine else { return }
            result.target = "RSS < 400 MiB"
            result.met = result.peakRSSMiB < 400
        case .burstTLS:
            result.target = "all 500 served"
            result.met = result.ratio == 1
        case .oneShot:
            result.target = "median < 8 ms"
            result.met = (result.p50 ?? .infinity) < 8
        case .oneShotPlain:
            result.target = "median < 5 ms"
            result.met = (result.p50 ?? .infinity) < 5
        }
    }

    private struct Measured {
        var value: Double
        var unit: String
        var latencies: [Duration] = []
        var note: String?
        var limit: Double?
        /// When rounds were interleaved: the median of the per-round ratios.
        var ratio: Double?
    }

    /// Rounds of (raw limit, then the server), alternating, so that both see
    /// the same machine; the median round ratio is what is reported.
    private static let rounds = 5

    private func interleaved(raw: () throws -> Double, server: () throws -> (rate: Double, latencies: [Duration]))
        rethrows -> Measured {
        var rawRates: [Double] = [], serverRates: [Double] = [], ratios: [Double] = [], latencies: [Duration] = []
        for _ in 0..<Self.rounds {
            let limit = try raw()
            let measured = try server()
            rawRates.append(limit)
            serverRates.append(measured.rate)
            ratios.append(measured.rate / limit)
            latencies += measured.latencies
        }
        return Measured(value: serverRates.median, unit: "commands/s", latencies: latencies,
                        note: "\(Self.rounds) interleaved rounds; ratios " + ratios.map { String(format2: $0) }.joined(separator: ", "),
                        limit: rawRates.median, ratio: ratios.median)
    }

    /// The real `rsh` (in its bench home) streams `bytes` of zeros from
    /// `address` to /dev/null, over TLS or in clear; bytes per second.
    private func rshStreamRate(_ address: SocketAddress, bytes: Int, plain: Bool) throws -> Double {
        let start = ContinuousClock.now
        try runRsh((plain ? ["--plain"] : []) + ["\(address)", "head -c \(bytes) /dev/zero"])
        return Double(bytes) / start.duration(to: .now).seconds
    }

    /// Runs the real `rsh` with its output to /dev/null; fails unless it exits 0.
    private func runRsh(_ arguments: [String]) throws {
        let null = try FileDescriptor.open("/dev/null", .readWrite)
        defer { null.closeAfterUse() }
        let processID = try spawnProcess([binaries + "/rsh"] + arguments,
                                         SpawnSetup(standardInput: null, standardOutput: null, standardError: null,
                                                    environment: home.environment, searchPath: false))
        let exit = try ProcessDescriptor(processID: processID)
        defer { exit.close() }
        let status = try exit.reap(block: true)
        guard status == .exited(0) else { throw BenchError("rsh \(arguments.joined(separator: " ")) ended with \(String(describing: status))") }
    }

    /// One client streams `bytes` of zeros from `address`; bytes per second.
    private func streamRate(_ address: SocketAddress, bytes: Int, tls: TLSContext?) throws -> Double {
        let loop = generator.loop
        let start = ContinuousClock.now
        let received = try generator.run {
            try await BenchClient.session(to: address, loop: loop, tls: tls) { try await $0.run("head -c \(bytes) /dev/zero").bytes }
        }
        guard received == bytes else { throw BenchError("stream: received \(received) of \(bytes) bytes") }
        return Double(bytes) / start.duration(to: .now).seconds
    }

    private func measure(_ workload: Workload, _ server: ServerUnderTest, tls: TLSContext?) throws -> Measured {
        let address = server.address
        let loop = generator.loop
        switch workload {
        case .sequentialEcho:
            let count = size(700, 10)
            return try interleaved(raw: { try RawLimits.sequentialSpawnRate("echo hi", count: count) }) {
                let start = ContinuousClock.now
                let latencies = try generator.run {
                    try await BenchClient.session(to: address, loop: loop) { try await $0.latencies(of: "echo hi", times: count) }
                }
                return (Double(count) / start.duration(to: .now).seconds, latencies)
            }

        case .concurrent16, .concurrent64:
            let connections = workload == .concurrent16 ? 16 : 64
            let perConnection = size(1280, 64) / connections
            let perWorker = connections * perConnection / ProcessIdentity.processorCount
            return try interleaved(raw: { try RawLimits.parallelSpawnRate("echo hi", countPerWorker: perWorker) }) {
                let start = ContinuousClock.now
                let latencies = try generator.run {
                    try await withThrowingTaskGroup(of: [Duration].self) { group in
                        for _ in 0..<connections {
                            group.addTask {
                                try await BenchClient.session(to: address, loop: loop) {
                                    try await $0.latencies(of: "echo hi", times: perConnection)
                                }
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                }
                return (Double(connections * perConnection) / start.duration(to: .now).seconds, latencies)
            }

        case .sleep1000:
            let count = size(1000, 20)
            let seconds = smoke ? "0.1" : "1"
            let elapsed = try generator.run {
                var clients: [BenchClient] = []
                defer { clients.forEach { $0.close() } }
                for _ in 0..<count {
                    let client = try BenchClient(address: address, loop: loop)
                    clients.append(client)
                    try await client.startHandshake()
                }
                for client in clients { try await client.finishHandshake() }
                let start = ContinuousClock.now
                var ids: [Int64] = []
                for client in clients { ids.append(try await client.sendExec("sleep \(seconds)")) }
                for (client, id) in zip(clients, ids) { _ = try await client.awaitExit(id) }
                return start.duration(to: .now)
            }
            // What the machine allows: the sleep itself, plus spawning `count`
            // processes at the raw parallel rate measured now.
            let spawnRate = try RawLimits.parallelSpawnRate("echo hi", countPerWorker: size(300, 5))
            let floor = (Double(seconds) ?? 1) + Double(count) / spawnRate
            return Measured(value: elapsed.seconds, unit: "s",
                            note: "\(count) x sleep \(seconds), all started at once; floor \(String(format2: floor)) s "
                                + "(sleep + \(count) spawns at the raw parallel rate, \(Int(spawnRate))/s)",
                            limit: floor, ratio: floor / elapsed.seconds)

        case .stream:
            let bytes = size(1 << 30, 8 << 20)
            let before = try RawLimits.relayRate(bytes: bytes)
            let rate = try streamRate(address, bytes: bytes, tls: nil)
            let after = try RawLimits.relayRate(bytes: bytes)
            // Compared with the faster of the two relay runs around it: the conservative ratio.
            return Measured(value: rate, unit: "bytes/s",
                            note: "raw relay before and after: \(Int(before / 1_048_576)), \(Int(after / 1_048_576)) MiB/s",
                            limit: max(before, after))

        case .streamTLS:
            // The limit here is the same stream through the same rsh and
            // server in plain v1: rounds of (plain, TLS).
            let bytes = size(1 << 30, 8 << 20)
            var plainRates: [Double] = [], tlsRates: [Double] = [], ratios: [Double] = []
            for _ in 0..<Self.rounds {
                plainRates.append(try rshStreamRate(address, bytes: bytes, plain: true))
                tlsRates.append(try rshStreamRate(address, bytes: bytes, plain: false))
                ratios.append(tlsRates.last! / plainRates.last!)
            }
            return Measured(value: tlsRates.median, unit: "bytes/s",
                            note: "\(Self.rounds) rounds of 1 GiB through rsh, plain then TLS; ratios "
                                + ratios.map { String(format2: $0) }.joined(separator: ", "),
                            limit: plainRates.median, ratio: ratios.median)

        case .burstTLS:
            let count = size(500, 20)
            // Every client connects and starts its handshake as soon as its
            // coroutine runs, all of them before the first answer is read.
            let served = try generator.run { [tls] in
                await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<count {
                        group.addTask {
                            guard let client = try? BenchClient(address: address, loop: loop, tls: tls) else { return false }
                            defer { client.close() }
                            guard (try? await client.startHandshake()) != nil, (try? await client.finishHandshake()) != nil,
                                  let answer = try? await client.run("echo hi") else { return false }
                            return answer.bytes == 3
                        }
                    }
                    return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }
            return Measured(value: Double(served), unit: "clients served", note: "\(served) of \(count) clients over TLS, started at once",
                            limit: Double(count), ratio: Double(served) / Double(count))

        case .idle, .idleTLS:
            let count = size(10_000, 100)
            let batch = 500
            let (echoLatency, open) = try generator.run {
                var clients: [BenchClient] = []
                defer { clients.forEach { $0.close() } }
                var index = 0
                while index < count {
                    let slice = min(batch, count - index)
                    var fresh: [BenchClient] = []
                    for _ in 0..<slice {
                        let client = try BenchClient(address: address, loop: loop, tls: tls)
                        fresh.append(client)
                        try await client.startHandshake()
                    }
                    for client in fresh { try await client.finishHandshake() }
                    clients += fresh
                    index += slice
                }
                // With every connection open, a new client connects and runs one command.
                let start = ContinuousClock.now
                _ = try await BenchClient.session(to: address, loop: loop, tls: tls) { try await $0.run("echo hi") }
                return (start.duration(to: .now), clients.count)
            }
            let resident = Double(server.statistics.residentBytes ?? 0) / 1_048_576
            return Measured(value: resident, unit: "MiB resident", latencies: [echoLatency],
                            note: "\(open) connections open; latency is a new client's connect + handshake + echo hi")

        case .oneShot, .oneShotPlain:
            let runs = size(200, 5)
            let options = workload == .oneShotPlain ? ["--plain"] : []
            var latencies: [Duration] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                try runRsh(options + ["\(address)", "true"])
                latencies.append(start.duration(to: .now))
            }
            return Measured(value: latencies.percentile(0.5) ?? 0, unit: "ms median", latencies: latencies)
        }
    }
}
