import RemoteShell
import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTLS

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
    /// The home of the `rsh` processes started here, and the keys of every `rshd`.
    let home: BenchHome
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
            case .upload:
                try runCopies(into: &outcome)
            case .download:
                // Measured with the uploads, in the same rounds.
                if !only.contains(.upload) { try runCopies(into: &outcome) }
            case .spawnPaths:
                log("\(workload.rawValue): \(spawnCommands.count) commands...")
                outcome.spawnPaths = try SpawnPaths(commands: spawnCommands, rounds: rounds(5), count: size(200, 4)).run()
            case .fanOut:
                try runFanOut(into: &outcome)
            case .sleep1000, .idle, .idleTLS, .burstTLS:
                for mode in workload.modes where modes.contains(mode) {
                    log("\(workload.rawValue) on \(mode.rawValue)...")
                    var result = try runAlone(workload, on: mode)
                    result.judge()
                    outcome.results.append(result)
                }
            default:
                try runInRounds(workload, into: &outcome)
            }
        }
        return outcome
    }

    /// Sizes: (full, smoke).
    func size(_ full: Int, _ smokeSize: Int) -> Int { smoke ? smokeSize : full }
    func rounds(_ full: Int) -> Int { roundCount ?? (smoke ? 2 : full) }

    // MARK: Workloads in rounds

    static let echo = "echo hi"

    private func runInRounds(_ workload: Workload, into outcome: inout Outcome) throws {
        let command = workload == .oneShot ? "true" : Self.echo
        var contenders = workload.contenders(modes: modes, peers: peers).filter { contender in
            guard case .raw(let path) = contender else { return true }
            return RawSpawn(command, path) != nil
        }
        var rshd: [ServerMode: ServerUnderTest] = [:]
        var python: [PythonPeer: ServerUnderTest] = [:]
        var openSSH: OpenSSHPeer?
        var tlsFloor: ServerUnderTest?
        var spawnFloor: ServerUnderTest?
        defer {
            rshd.values.forEach { $0.stop() }
            python.values.forEach { $0.stop() }
            openSSH?.stop()
            tlsFloor?.stop()
            spawnFloor?.stop()
        }
        var entrants: [Rounds.Entrant] = []
        for contender in contenders {
            switch contender {
            case .raw, .relay:
                entrants.append(Rounds.Entrant(contender, server: nil))
            case .rshd(let mode, _), .rsh(let mode, _):
                if rshd[mode] == nil {
                    let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: home.serverArguments + serverArguments)
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
            case .tlsFloor:
                do {
                    // It writes the client's certificate and key into the bench's home.
                    tlsFloor = try ServerUnderTest(name: "tls-floor", arguments: [peers.tlsFloor!, "serve", home.path],
                                                   announcement: "listening on 127.0.0.1:")
                    entrants.append(Rounds.Entrant(contender, server: nil))
                } catch {
                    outcome.notes.append("TLS floor on \(workload.rawValue): skipped: \(error)")
                }
            case .fanOut, .pdsh:
                throw BenchError("\(contender.label) runs in \(Workload.fanOut.rawValue) only")
            case .spawnFloor:
                do {
                    let server = try ServerUnderTest(name: "spawn-floor", arguments: [peers.spawnFloor!], announcement: "listening on 127.0.0.1:")
                    spawnFloor = server
                    try warmUp(server, .classic)
                    entrants.append(Rounds.Entrant(contender, server: server))
                } catch {
                    outcome.notes.append("spawn floor on \(workload.rawValue): skipped: \(error)")
                }
            case .copyFloor:
                throw BenchError("\(contender.label) runs in the copies only")
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
                case .rshd: return Rounds.Sample(value: try streamRate(entrant.server!.address, bytes: bytes, tls: nil))
                case .rsh: return Rounds.Sample(value: try ClientRuns.streamRate(rshArguments(entrant, stream), bytes: bytes,
                                                                                 environment: home.environment))
                case .openSSH: return Rounds.Sample(value: try ClientRuns.streamRate(openSSH!.client(stream), bytes: bytes))
                case .tlsFloor:
                    let client = [peers.tlsFloor!, "stream", "\(tlsFloor!.address)", home.path, "\(bytes)"]
                    return Rounds.Sample(value: try ClientRuns.streamRate(client, bytes: bytes))
                default: throw BenchError("\(entrant.contender) in \(workload)")
                }
            }
        case .oneShot:
            (unit, roundCount) = ("ms median", rounds(5))
            let runs = size(40, 2)
            // ssh takes ~0.2 s a run here; its median settles in fewer.
            let sshRuns = size(10, 2)
            sample = { entrant in
                let latencies: [Duration]
                switch entrant.contender {
                case .raw(let path): latencies = try RawSpawn(command, path)!.latencies(count: runs)
                case .rsh: latencies = try ClientRuns.latencies(rshArguments(entrant, command), count: runs, environment: home.environment)
                case .openSSH: latencies = try ClientRuns.latencies(openSSH!.client(command), count: sshRuns)
                case .tlsFloor: latencies = try ClientRuns.latencies([peers.tlsFloor!, "ping", "\(tlsFloor!.address)", home.path],
                                                                     count: runs)
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
            result.judge()
            outcome.results.append(result)
        }
    }

    /// One command on a fresh connection, so that no round meets a cold server.
    func warmUp(_ server: ServerUnderTest, _ wire: WireProtocol) throws {
        _ = try generator.run { [address = server.address, loop = generator.loop] in
            try await BenchClient.session(to: address, loop: loop, wire: wire) { try await $0.run("true").bytes }
        }
    }

    /// `rsh` against the entrant's server, running `command`: in clear, or
    /// over TLS (its home's known_hosts lists the bench's host key).
    private func rshArguments(_ entrant: Rounds.Entrant, _ command: String) -> [String] {
        let plain = entrant.contender == .rsh(entrant.contender.mode ?? .coroutine, .plain)
        return [binaries + "/rsh"] + (plain ? ["--plain"] : []) + ["\(entrant.server!.address)", command]
    }

    /// `connections` clients of the entrant's server at once, each running
    /// `echo hi` `perConnection` times in a row; commands per second in all.
    private func echoes(_ entrant: Rounds.Entrant, connections: Int, perConnection: Int) throws -> Rounds.Sample {
        let wire: WireProtocol
        switch entrant.contender {
        case .rshd(_, let protocolSpoken): wire = protocolSpoken
        case .python, .spawnFloor: wire = .classic
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
    /// `tls`: a client context for a server that speaks TLS, `nil` in clear.
    func streamRate(_ address: SocketAddress, bytes: Int, tls: TLSContext?) throws -> Double {
        let loop = generator.loop
        let start = ContinuousClock.now
        let received = try generator.run {
            try await BenchClient.session(to: address, loop: loop, tls: tls) { try await $0.run("head -c \(bytes) /dev/zero").bytes }
        }
        guard received == bytes else { throw BenchError("stream: received \(received) of \(bytes) bytes") }
        return Double(bytes) / start.duration(to: .now).seconds
    }

}
