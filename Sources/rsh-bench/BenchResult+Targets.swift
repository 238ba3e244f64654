/// The targets of the report: against the raw limit (or absolute), and
/// against the peers measured in the same rounds.
extension BenchResult {
    /// Sets the targets the result is judged against, and whether they are met.
    mutating func judge() {
        let contender = self.contender
        let parallelMode = mode == .threaded || mode == .coroutine
        func against(_ description: String, _ isMet: Bool) {
            target = description
            met = isMet
        }
        switch (workload, contender) {
        case (.sequentialEcho, .rshd):
            against(">= 0.9 x the cheapest raw path", (ratio ?? 0) >= 0.9)
            peerTargets = [.python(.blocking): 1.2]
        case (.concurrent16, .rshd) where parallelMode:
            against(">= 0.85 x the cheapest raw parallel path", (ratio ?? 0) >= 0.85)
            peerTargets = [.python(.threaded): 1.4, .python(.gevent): 5]
        case (.concurrent64, .rshd) where parallelMode:
            against(">= 0.80 x the cheapest raw parallel path", (ratio ?? 0) >= 0.80)
        case (.stream, .rshd):
            against(">= 0.6 x raw relay, RSS growth < 16 MiB", (ratio ?? 0) >= 0.6 && (rssGrowthMiB ?? .infinity) < 16)
        case (.stream, .rsh(_, .plain)):
            peerTargets = [.openSSH: 2]
        case (.stream, .rsh(_, .tls)):
            against(">= 0.75 x the same stream through rsh --plain", (plainRatio ?? 0) >= 0.75)
            peerTargets = [.openSSH: 2]
        case (.upload, .rsh), (.download, .rsh):
            against(">= 0.7 x the rsh stdout stream, RSS growth < 16 MiB", (ratio ?? 0) >= 0.7 && (rssGrowthMiB ?? .infinity) < 16)
        case (.sleep1000, _) where mode == .coroutine:
            against("<= 1.5 s, RSS < 64 MiB", value <= 1.5 && (peakRSSMiB ?? .infinity) < 64)
        case (.idle, _) where mode == .coroutine:
            against("RSS < 100 MiB, new client echo < 50 ms", (peakRSSMiB ?? .infinity) < 100 && (p50 ?? .infinity) < 50)
        case (.idleTLS, _) where mode == .coroutine:
            against("RSS < 400 MiB", (peakRSSMiB ?? .infinity) < 400)
        case (.burstTLS, _):
            against("every client served", (ratio ?? 0) >= 1)
        case (.fanOut, .fanOut(_, let transport)):
            against("< 3 s, rsh's peak RSS < 100 MiB", value < 3 && (clientPeakRSSMiB ?? .infinity) < 100)
            peerTargets = [.pdsh(transport): 2]
        case (.oneShot, .rsh(_, .plain)):
            against("median < 5 ms", (p50 ?? .infinity) < 5)
            peerTargets = [.openSSH: 40]
        case (.oneShot, .rsh(_, .tls)):
            against("median < 8 ms", (p50 ?? .infinity) < 8)
            peerTargets = [.openSSH: 40]
        default:
            break
        }
    }
}
