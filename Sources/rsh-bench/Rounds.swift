import RSHSystem
import RSHTestSupport

/// A workload's contenders measured in interleaved rounds: each round
/// measures every contender once, raw paths included, in an order that
/// rotates from round to round. The machine is shared and its speed drifts
/// from minute to minute, so every ratio is taken within a round (a
/// contender over that round's raw limit, rshd over that round's peer) and
/// the median of the per-round ratios is reported.
struct Rounds {
    /// One round's measurement of one contender: a rate (higher is better)
    /// or a time (lower is better), the latencies behind it, and the
    /// client process's CPU and memory when there is one to reap.
    struct Sample {
        var value: Double
        var latencies: [Duration] = []
        var client: ClientRuns.Run?
    }

    /// A contender, the server whose CPU and memory are charged to it (none
    /// for the raw paths, and for OpenSSH, whose work is done by a process
    /// forked per connection), and its accounts over the rounds.
    final class Entrant {
        let contender: Contender
        let server: ServerUnderTest?
        fileprivate(set) var values: [Double] = []
        fileprivate(set) var latencies: [Duration] = []
        fileprivate var serverCPU = 0.0
        fileprivate var generatorCPU = 0.0
        fileprivate var wall = 0.0
        fileprivate var peakThreads = 0
        fileprivate var peakResident = 0
        fileprivate let baselineResident: Int
        fileprivate var clientCPU: [Double] = []
        fileprivate var clientPeakResident = 0

        init(_ contender: Contender, server: ServerUnderTest?) {
            self.contender = contender
            self.server = server
            baselineResident = server?.statistics.residentBytes ?? 0
        }
    }

    let workload: Workload
    let entrants: [Entrant]
    let count: Int
    /// The unit of every sample; "ms median" and "s" are times, anything else a rate.
    let unit: String

    var higherIsBetter: Bool { unit != "ms median" && unit != "s" }

    /// Runs the rounds; `sample` measures one contender once.
    func run(_ sample: (Entrant) throws -> Sample) throws {
        guard !entrants.isEmpty else { return }
        for round in 0..<count {
            let rotation = round % entrants.count
            for entrant in entrants[rotation...] + entrants[..<rotation] {
                let sampler = try entrant.server.map { try Sampler(processID: $0.processID) }
                let cpuBefore = entrant.server?.statistics.cpuSeconds ?? 0
                let generatorBefore = LoadGenerator.processCPUSeconds
                let start = ContinuousClock.now
                let measured = try sample(entrant)
                entrant.wall += start.duration(to: .now).seconds
                entrant.generatorCPU += LoadGenerator.processCPUSeconds - generatorBefore
                if let server = entrant.server, let peaks = sampler?.stop() {
                    entrant.serverCPU += (server.statistics.cpuSeconds ?? 0) - cpuBefore
                    entrant.peakThreads = max(entrant.peakThreads, peaks.threads)
                    entrant.peakResident = max(entrant.peakResident, peaks.resident, server.statistics.peakResidentBytes ?? 0)
                }
                entrant.values.append(measured.value)
                entrant.latencies += measured.latencies
                if let client = measured.client {
                    entrant.clientCPU.append(client.cpuSeconds)
                    entrant.clientPeakResident = max(entrant.clientPeakResident, client.peakResidentBytes)
                }
            }
        }
    }

    /// Each round's raw limit: the best raw contender of that round.
    private var limits: [Double] {
        let raw = entrants.filter(\.contender.isRaw)
        guard !raw.isEmpty else { return [] }
        return (0..<count).map { round in
            let values = raw.map { $0.values[round] }
            return higherIsBetter ? values.max()! : values.min()!
        }
    }

    /// `entrant` over `other`, as "times better" (a rate over a rate, a time
    /// under a time), round by round.
    private func ratios(_ entrant: [Double], over other: [Double]) -> [Double] {
        zip(entrant, other).map { higherIsBetter ? $0 / $1 : $1 / $0 }
    }

    /// One result per entrant: its median, its ratio to the raw limit, which
    /// raw path set the limit, and its ratio to every peer in the rounds.
    func results() -> [BenchResult] {
        guard !entrants.isEmpty else { return [] }
        let limits = self.limits
        let raw = entrants.filter(\.contender.isRaw)
        let peers = entrants.filter(\.contender.isPeer)
        let fastest = (0..<count).compactMap { round in
            raw.max { higherIsBetter ? $0.values[round] < $1.values[round] : $0.values[round] > $1.values[round] }?.contender.via
        }
        let limitNote = raw.count < 2 ? nil
            : "raw limit per round: " + fastest.joined(separator: ", ")
        return entrants.map { entrant in
            let value = higherIsBetter ? entrant.values.median : (entrant.latencies.percentile(0.5) ?? entrant.values.median)
            let roundRatios = limits.isEmpty ? [] : ratios(entrant.values, over: limits)
            var result = BenchResult(workload: workload, contender: entrant.contender, value: value, unit: unit,
                                     p50: entrant.latencies.percentile(0.5), p99: entrant.latencies.percentile(0.99),
                                     limit: limits.isEmpty ? nil : limits.median, ratio: limits.isEmpty ? nil : roundRatios.median)
            if entrant.server != nil {
                result.serverCPUSeconds = entrant.serverCPU
                result.peakRSSMiB = Double(entrant.peakResident) / 1_048_576
                result.rssGrowthMiB = Double(max(0, entrant.peakResident - entrant.baselineResident)) / 1_048_576
                result.threads = entrant.peakThreads
            }
            if !entrant.clientCPU.isEmpty {
                result.clientCPUSeconds = entrant.clientCPU.median
                result.clientPeakRSSMiB = Double(entrant.clientPeakResident) / 1_048_576
            }
            if !entrant.contender.isRaw { result.generatorShare = entrant.generatorCPU / max(entrant.wall, 1e-9) }
            if entrant.contender.isRSHD {
                for peer in peers where entrant.contender.isComparable(to: peer.contender) { result.peerRatios[peer.contender] = ratios(entrant.values, over: peer.values).median }
            }
            if let twin = entrant.contender.plainTwin, let plain = entrants.first(where: { $0.contender == twin }) {
                let tlsRatios = ratios(entrant.values, over: plain.values)
                result.plainRatio = tlsRatios.median
            }
            if case .rsh(_, .tls) = entrant.contender, let floor = tlsFloor(limits) {
                result.floorRatio = ratios(entrant.values, over: floor).median
            }
            if workload.measuresSpawnFloor, entrant.contender.isRSHD, let floor = entrants.first(where: { $0.contender == .spawnFloor }) {
                result.floorRatio = ratios(entrant.values, over: floor.values).median
            }
            var notes = ["\(count) interleaved rounds"]
            if let plainRatio = result.plainRatio { notes.append("TLS / plain \(String(format2: plainRatio))") }
            if let floorRatio = result.floorRatio { notes.append("x \(workload.floorName) \(String(format2: floorRatio))") }
            if !roundRatios.isEmpty { notes.append("ratios " + roundRatios.map { String(format2: $0) }.joined(separator: ", ")) }
            if let limitNote, entrant.contender.isRaw { notes.append(limitNote) }
            result.note = notes.joined(separator: "; ")
            result.limitPath = limitNote.map { _ in Self.tally(fastest) }
            return result
        }
    }

    /// Each round's TLS floor, when `tlsFloor` ran: its rate, or for a time
    /// (the one-shot) its time plus the round's raw limit, the command's own.
    private func tlsFloor(_ limits: [Double]) -> [Double]? {
        guard let floor = entrants.first(where: { $0.contender == .tlsFloor }) else { return nil }
        if higherIsBetter { return floor.values }
        guard limits.count == floor.values.count else { return nil }
        return zip(floor.values, limits).map { $0 + $1 }
    }

    /// "sh -c" when one path set every round's limit, else "sh -c 3/5".
    private static func tally(_ winners: [String]) -> String {
        let counts = Dictionary(winners.map { ($0, 1) }, uniquingKeysWith: +)
        guard let (best, wins) = counts.max(by: { $0.value < $1.value }) else { return "" }
        return wins == winners.count ? best : "\(best) \(wins)/\(winners.count)"
    }
}
