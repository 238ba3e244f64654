import RemoteShell
import RSHProtocol
import RSHSpawn
import RSHSystem

/// Runs every workload: the ones with peers and raw limits in interleaved
/// rounds over all their contenders at once (`Rounds`), the others mode by
/// mode, each on fresh servers.
struct BenchRunner {
    let binaries: String
    let smoke: Bool
    let generator: LoadGenerator
    let only: Set<Workload>
    let modes: [ServerMode]
    /// Extra `rshd` options for every server started (`--rshd-arg`).
    let serverArguments: [String]
    let peers: Peers
    /// Rounds per workload, when `--rounds` sets them.
    let roundCount: Int?
    /// The commands `spawn-paths` measures.
    let spawnCommands: [String]
    let log: (String) -> Void

    struct Outcome {
        var results: [BenchResult] = []
        var spawnPaths: [SpawnPaths.Result] = []
        /// Peers left out, and why.
        var notes: [String] = []
    }

    func runAll() throws -> Outcome {
        var outcome = Outcome(notes: peers.notes)
        for workload in Workload.allCases where only.contains(workload) {
            switch workload {
            case .spawnPaths:
                log("\(workload.rawValue): \(spawnCommands.count) commands...")
                outcome.spawnPaths = try SpawnPaths(commands: spawnCommands, rounds: rounds(5), count: size(200, 4)).run()
            case .sleep1000, .streamAuthenticated, .idle:
                for mode in workload.modes where modes.contains(mode) {
                    log("\(workload.rawValue) on \(mode.rawValue)...")
                    var result = try runAlone(workload, on: mode)
                    Self.judge(&result)
                    outcome.results.append(result)
                }
            default:
                try runInRounds(workload, into: &outcome)
            }
        }
        return outcome
    }

    /// Sizes: (full, smoke).
    private func size(_ full: Int, _ smokeSize: Int) -> Int { smoke ? smokeSize : full }
    private func rounds(_ full: Int) -> Int { roundCount ?? (smoke ? 2 : full) }

    // MARK: Workloads in rounds

    private static let echo = "echo hi"

    private func runInRounds(_ workload: Workload, into outcome: inout Outcome) throws {
        let command = workload == .oneShot ? "true" : Self.echo
        var contenders = workload.contenders(modes: modes, peers: peers).filter { contender in
            guard case .raw(let path) = contender else { return true }
            return RawSpawn(command, path) != nil
        }
        var rshd: [ServerMode: ServerUnderTest] = [:]
        var python: [PythonPeer: ServerUnderTest] = [:]
        var openSSH: OpenSSHPeer?
        defer {
            rshd.values.forEach { $0.stop() }
            python.values.forEach { $0.stop() }
            openSSH?.stop()
        }
        var entrants: [Rounds.Entrant] = []
        for contender in contenders {
            switch contender {
            case .raw, .relay:
                entrants.append(Rounds.Entrant(contender, server: nil))
            case .rshd(let mode, _), .rsh(let mode):
                if rshd[mode] == nil {
                    let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: serverArguments)
                    rshd[mode] = server
                    // One command first, so that every round meets a warmed-up server.
                    try warmUp(server, .v1)
                }
                entrants.append(Rounds.Entrant(contender, server: rshd[mode]))
            case .python(let peer):
                do {
                    let server = try peers.start(peer)
                    python[peer] = server
                    try warmUp(server, .classic)
                    entrants.append(Rounds.Entrant(contender, server: server))
                } catch {
                    outcome.notes.append("\(peer.name) on \(workload.rawValue): skipped: \(error)")
                }
            case .openSSH:
                do {
                    let peer = try OpenSSHPeer(sshd: peers.sshd ?? "sshd")
                    openSSH = peer
                    entrants.append(Rounds.Entrant(contender, server: nil))
                    if !outcome.notes.contains(where: { $0.hasPrefix("OpenSSH: cipher") }) {
                        outcome.notes.append("OpenSSH: cipher \(peer.cipher) (the default of this ssh and sshd)")
                    }
                } catch {
                    outcome.notes.append("OpenSSH on \(workload.rawValue): skipped: \(error)")
                }
            }
        }
        contenders = entrants.map(\.contender)
        let unit: String
        let roundCount: Int
        let sample: (Rounds.Entrant) throws -> Rounds.Sample
        switch workload {
        case .sequentialEcho:
            (unit, roundCount) = ("commands/s", rounds(5))
            let count = size(700, 10)
            sample = { entrant in
                if case .raw(let path) = entrant.contender {
                    return Rounds.Sample(value: try RawSpawn(command, path)!.sequentialRate(count: count))
                }
                return try echoes(entrant, connections: 1, perConnection: count)
            }
        case .concurrent16, .concurrent64:
            (unit, roundCount) = ("commands/s", rounds(5))
            let connections = workload == .concurrent16 ? 16 : 64
            let perConnection = size(1280, 64) / connections
            let perWorker = connections * perConnection / ProcessIdentity.processorCount
            sample = { entrant in
                if case .raw(let path) = entrant.contender {
                    return Rounds.Sample(value: try RawSpawn(command, path)!.parallelRate(countPerWorker: perWorker))
                }
                return try echoes(entrant, connections: connections, perConnection: perConnection)
            }
        case .stream:
            (unit, roundCount) = ("bytes/s", rounds(3))
            let bytes = size(1 << 30, 8 << 20)
            let stream = "head -c \(bytes) /dev/zero"
            sample = { entrant in
                switch entrant.contender {
                case .relay: return Rounds.Sample(value: try RawLimits.relayRate(bytes: bytes))
                case .rshd: return Rounds.Sample(value: try streamRate(entrant.server!.address, bytes: bytes, key: nil))
                case .rsh: return Rounds.Sample(value: try ClientRuns.streamRate(rsh(entrant, stream), bytes: bytes))
                case .openSSH: return Rounds.Sample(value: try ClientRuns.streamRate(openSSH!.client(stream), bytes: bytes))
                default: throw BenchError("\(entrant.contender) in \(workload)")
                }
            }
        case .oneShot:
            (unit, roundCount) = ("ms median", rounds(5))
            let runs = size(40, 2)
            // ssh takes tens of milliseconds a run; its median settles in fewer.
            let sshRuns = size(10, 2)
            sample = { entrant in
                let latencies: [Duration]
                switch entrant.contender {
                case .raw(let path): latencies = try RawSpawn(command, path)!.latencies(count: runs)
                case .rsh: latencies = try ClientRuns.latencies(rsh(entrant, command), count: runs)
                case .openSSH: latencies = try ClientRuns.latencies(openSSH!.client(command), count: sshRuns)
                default: throw BenchError("\(entrant.contender) in \(workload)")
                }
                return Rounds.Sample(value: latencies.percentile(0.5) ?? 0, latencies: latencies)
            }
        default:
            throw BenchError("\(workload.rawValue) is not measured in rounds")
        }
        log("\(workload.rawValue): \(roundCount) rounds of " + contenders.map(\.label).joined(separator: "; ") + "...")
        let measurement = Rounds(workload: workload, entrants: entrants, count: roundCount, unit: unit)
        try measurement.run(sample)
        for var result in measurement.results() {
            Self.judge(&result)
            outcome.results.append(result)
        }
    }

    /// One command on a fresh connection, so that no round meets a cold server.
    private func warmUp(_ server: ServerUnderTest, _ wire: WireProtocol) throws {
        _ = try generator.run { [address = server.address, loop = generator.loop] in
            try await BenchClient.session(to: address, loop: loop, wire: wire) { try await $0.run("true").bytes }
        }
    }

    /// `rsh` against the entrant's server, running `command`.
    private func rsh(_ entrant: Rounds.Entrant, _ command: String) -> [String] {
        [binaries + "/rsh", "\(entrant.server!.address)", command]
    }

    /// `connections` clients of the entrant's server at once, each running
    /// `echo hi` `perConnection` times in a row; commands per second in all.
    private func echoes(_ entrant: Rounds.Entrant, connections: Int, perConnection: Int) throws -> Rounds.Sample {
        let wire: WireProtocol
        switch entrant.contender {
        case .rshd(_, let protocolSpoken): wire = protocolSpoken
        case .python: wire = .classic
        default: throw BenchError("\(entrant.contender.label) does not run echoes")
        }
        let address = entrant.server!.address
        let loop = generator.loop
        let start = ContinuousClock.now
        let latencies = try generator.run {
            try await withThrowingTaskGroup(of: [Duration].self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        try await BenchClient.session(to: address, loop: loop, wire: wire) {
                            try await $0.latencies(of: Self.echo, times: perConnection)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        return Rounds.Sample(value: Double(connections * perConnection) / start.duration(to: .now).seconds, latencies: latencies)
    }

    /// One client streams `bytes` of zeros from `address`; bytes per second.
    private func streamRate(_ address: SocketAddress, bytes: Int, key: [UInt8]?) throws -> Double {
        let loop = generator.loop
        let start = ContinuousClock.now
        let received = try generator.run {
            try await BenchClient.session(to: address, loop: loop, key: key) { try await $0.run("head -c \(bytes) /dev/zero").bytes }
        }
        guard received == bytes else { throw BenchError("stream: received \(received) of \(bytes) bytes") }
        return Double(bytes) / start.duration(to: .now).seconds
    }

    // MARK: Workloads mode by mode

    private func runAlone(_ workload: Workload, on mode: ServerMode) throws -> BenchResult {
        let key = workload == .streamAuthenticated ? try benchKey() : nil
        let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode,
                                              extra: serverArguments + (key.map { ["--key-file", $0.path] } ?? []))
        defer { server.stop() }
        _ = try generator.run { [address = server.address, loop = generator.loop, bytes = key?.bytes] in
            try await BenchClient.session(to: address, loop: loop, key: bytes) { try await $0.run("true").bytes }
        }
        let baselineRSS = server.statistics.residentBytes ?? 0
        let cpuBefore = server.statistics.cpuSeconds ?? 0
        let generatorBefore = LoadGenerator.processCPUSeconds
        let sampler = try Sampler(processID: server.processID)
        let start = ContinuousClock.now
        var result = try measureAlone(workload, server, mode: mode, key: key?.bytes)
        let elapsed = start.duration(to: .now).seconds
        let peaks = sampler.stop()
        let peakRSS = max(peaks.resident, server.statistics.peakResidentBytes ?? 0)
        result.serverCPUSeconds = (server.statistics.cpuSeconds ?? 0) - cpuBefore
        result.peakRSSMiB = Double(peakRSS) / 1_048_576
        result.rssGrowthMiB = Double(max(0, peakRSS - baselineRSS)) / 1_048_576
        result.threads = peaks.threads
        result.generatorShare = (LoadGenerator.processCPUSeconds - generatorBefore) / elapsed
        return result
    }

    /// A key file for the authenticated workload, made once per run.
    private func benchKey() throws -> (path: String, bytes: [UInt8]) {
        let path = "/tmp/rsh-bench-\(ProcessIdentity.processID).key"
        if (try? FileStatus(path: path)) == nil { try KeyFile.generate(path) }
        return (path, try KeyFile.load(path))
    }

    private func measureAlone(_ workload: Workload, _ server: ServerUnderTest, mode: ServerMode, key: [UInt8]?) throws -> BenchResult {
        let address = server.address
        let loop = generator.loop
        let contender = Contender.rshd(mode, .v1)
        switch workload {
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
            // processes at the cheapest raw parallel rate measured now.
            let spawnRate = try RawLimits.cheapestParallelRate(Self.echo, countPerWorker: size(300, 5))
            let floor = (Double(seconds) ?? 1) + Double(count) / spawnRate
            var result = BenchResult(workload: workload, contender: contender, value: elapsed.seconds, unit: "s",
                                     limit: floor, ratio: floor / elapsed.seconds)
            result.note = "\(count) x sleep \(seconds), all started at once; floor \(String(format2: floor)) s "
                + "(sleep + \(count) spawns at the cheapest raw parallel rate, \(Int(spawnRate))/s)"
            return result

        case .streamAuthenticated:
            // The limit here is the same stream without a key, on a second
            // server started next to this one: rounds of (plain, keyed).
            let bytes = size(1 << 29, 8 << 20)
            let plain = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: serverArguments)
            defer { plain.stop() }
            var plainRates: [Double] = [], keyedRates: [Double] = [], ratios: [Double] = []
            for _ in 0..<rounds(5) {
                plainRates.append(try streamRate(plain.address, bytes: bytes, key: nil))
                keyedRates.append(try streamRate(address, bytes: bytes, key: key))
                ratios.append(keyedRates.last! / plainRates.last!)
            }
            var result = BenchResult(workload: workload, contender: contender, value: keyedRates.median, unit: "bytes/s",
                                     limit: plainRates.median, ratio: ratios.median)
            result.note = "\(ratios.count) rounds of \(bytes >> 20) MiB without and with a key; ratios "
                + ratios.map { String(format2: $0) }.joined(separator: ", ")
            return result

        case .idle:
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
                        let client = try BenchClient(address: address, loop: loop)
                        fresh.append(client)
                        try await client.startHandshake()
                    }
                    for client in fresh { try await client.finishHandshake() }
                    clients += fresh
                    index += slice
                }
                // With every connection open, a new client connects and runs one command.
                let start = ContinuousClock.now
                _ = try await BenchClient.session(to: address, loop: loop) { try await $0.run(Self.echo) }
                return (start.duration(to: .now), clients.count)
            }
            let resident = Double(server.statistics.residentBytes ?? 0) / 1_048_576
            var result = BenchResult(workload: workload, contender: contender, value: resident, unit: "MiB resident",
                                     p50: echoLatency.millisecondsDouble, p99: echoLatency.millisecondsDouble)
            result.note = "\(open) connections open; latency is a new client's connect + handshake + echo hi"
            return result

        default:
            throw BenchError("\(workload.rawValue) is measured in rounds")
        }
    }

    // MARK: Targets

    /// Sets the targets each result is judged against, and whether they are met.
    static func judge(_ result: inout BenchResult) {
        let contender = result.contender
        let parallelMode = result.mode == .threaded || result.mode == .coroutine
        func against(_ target: String, _ met: Bool) {
            result.target = target
            result.met = met
        }
        switch (result.workload, contender) {
        case (.sequentialEcho, .rshd):
            against(">= 0.9 x the cheapest raw path", (result.ratio ?? 0) >= 0.9)
            result.peerTargets = [.python(.blocking): 1.2]
        case (.concurrent16, .rshd) where parallelMode:
            against(">= 0.85 x the cheapest raw parallel path", (result.ratio ?? 0) >= 0.85)
            result.peerTargets = [.python(.threaded): 1.4, .python(.gevent): 5]
        case (.concurrent64, .rshd) where parallelMode:
            against(">= 0.80 x the cheapest raw parallel path", (result.ratio ?? 0) >= 0.80)
        case (.stream, .rshd):
            against(">= 0.6 x raw relay, RSS growth < 16 MiB", (result.ratio ?? 0) >= 0.6 && (result.rssGrowthMiB ?? .infinity) < 16)
        case (.stream, .rsh):
            result.peerTargets = [.openSSH: 2]
        case (.streamAuthenticated, _):
            against(">= 0.5 x the same stream without a key", (result.ratio ?? 0) >= 0.5)
        case (.sleep1000, _) where result.mode == .coroutine:
            against("<= 1.5 s, RSS < 64 MiB", result.value <= 1.5 && (result.peakRSSMiB ?? .infinity) < 64)
        case (.idle, _) where result.mode == .coroutine:
            against("RSS < 100 MiB, new client echo < 50 ms", (result.peakRSSMiB ?? .infinity) < 100 && (result.p50 ?? .infinity) < 50)
        case (.oneShot, .rsh):
            against("median < 5 ms", (result.p50 ?? .infinity) < 5)
            result.peerTargets = [.openSSH: 40]
        default:
            break
        }
    }
}
