import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTLS

/// The workloads measured mode by mode, each on a fresh server: the ones
/// with no peer and a limit of their own (a floor, all clients served, or none).
extension BenchRunner {
    func runAlone(_ workload: Workload, on mode: ServerMode) throws -> BenchResult {
        let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: home.serverArguments + serverArguments)
        defer { server.stop() }
        // The generator's TLS is the transform rsh uses; the server does not
        // authenticate clients here, and the generator trusts the key it gave it.
        let tls = workload.generatorSpeaksTLS ? try TLSContext(role: .client, identity: home.identity, peerKeys: .anyKey) : nil
        _ = try generator.run { [address = server.address, loop = generator.loop, tls] in
            try await BenchClient.session(to: address, loop: loop, tls: tls) { try await $0.run("true").bytes }
        }
        let baselineRSS = server.statistics.residentBytes ?? 0
        let cpuBefore = server.statistics.cpuSeconds ?? 0
        let generatorBefore = LoadGenerator.processCPUSeconds
        let sampler = try Sampler(processID: server.processID)
        let start = ContinuousClock.now
        var result = try measureAlone(workload, server, mode: mode, tls: tls)
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

    private func measureAlone(_ workload: Workload, _ server: ServerUnderTest, mode: ServerMode, tls: TLSContext?) throws -> BenchResult {
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
                                  let answer = try? await client.run(Self.echo) else { return false }
                            return answer.bytes == 3
                        }
                    }
                    return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }
            var result = BenchResult(workload: workload, contender: contender, value: Double(served), unit: "clients served",
                                     limit: Double(count), ratio: Double(served) / Double(count))
            result.note = "\(served) of \(count) clients over TLS, started at once"
            return result

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
                _ = try await BenchClient.session(to: address, loop: loop, tls: tls) { try await $0.run(Self.echo) }
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
}
