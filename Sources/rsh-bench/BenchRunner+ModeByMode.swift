import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTLS

/// The workloads measured mode by mode, each on a fresh server: the ones
/// with no peer and a limit of their own (a floor, the same stream without a
/// key, or none).
extension BenchRunner {
    func runAlone(_ workload: Workload, on mode: ServerMode) throws -> BenchResult {
        let key = workload == .streamAuthenticated ? try benchKey() : nil
        // The server reads its key file once, at start-up.
        defer { if let key { try? removeFile(atPath: key.path) } }
        let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode,
                                              extra: serverArguments + (key.map { ["--key-file", $0.path] } ?? []))
        defer { server.stop() }
        let tls = try key.map { try TLSContext(role: .client, identity: nil, preSharedKey: $0.bytes, peerKeys: .anyKey) }
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

    /// A new key file for the authenticated workload's servers.
    private func benchKey() throws -> (path: String, bytes: [UInt8]) {
        let path = "/tmp/rsh-bench-\(ProcessIdentity.processID).key"
        try? removeFile(atPath: path)
        try PreSharedKeyFile.generate(path)
        return (path, try PreSharedKeyFile.load(path))
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

        case .streamAuthenticated:
            // The limit here is the same stream without a key, on a second
            // server started next to this one: rounds of (plain, keyed).
            let bytes = size(1 << 29, 8 << 20)
            let plain = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: serverArguments)
            defer { plain.stop() }
            var plainRates: [Double] = [], keyedRates: [Double] = [], ratios: [Double] = []
            for _ in 0..<rounds(5) {
                plainRates.append(try streamRate(plain.address, bytes: bytes, tls: nil))
                keyedRates.append(try streamRate(address, bytes: bytes, tls: tls))
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
}
