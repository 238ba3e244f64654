import RemoteShell

/// One row of the report: a workload on one contender, with its limit and target.
struct BenchResult {
    var workload: Workload
    var contender: Contender
    /// The headline figure, in `unit`.
    var value: Double
    var unit: String
    var p50: Double?
    var p99: Double?
    /// The server's CPU time, memory and threads over the measurement; `nil`
    /// where there is no server (raw paths) or its work is not in one process (OpenSSH).
    var serverCPUSeconds: Double?
    var peakRSSMiB: Double?
    var rssGrowthMiB: Double?
    var threads: Int?
    /// The client process's CPU time per run (its children's included:
    /// pdsh's `rsh` processes), median over the rounds, and its own peak
    /// resident set, the largest over the rounds (`ClientRuns.Run`); for the
    /// workloads whose contenders are client processes that `rsh-bench` reaps.
    var clientCPUSeconds: Double?
    var clientPeakRSSMiB: Double?
    /// The generator's CPU time over the wall time: near 1.0 would mean the generator, not the server, was the limit.
    var generatorShare: Double?
    /// The raw limit of this run, in `unit`, and the ratio to it as "times
    /// as good" (rate / limit, or limit / time; higher is better).
    var limit: Double?
    var ratio: Double?
    /// Which raw path set the limit ("sh -c", or "sh -c 3/5" when the paths took turns).
    var limitPath: String?
    /// rshd's ratio to each peer measured in the same rounds, as "times as good".
    var peerRatios: [Contender: Double] = [:]
    /// For `rsh` over TLS: its ratio to `rsh --plain` against the same server
    /// in the same rounds, as "times as good".
    var plainRatio: Double?
    /// Its ratio to the floor of the same rounds (`Workload.floorName`), as
    /// "times as good": for `rsh` over TLS the TLS floor (`Contender.tlsFloor`;
    /// for the one-shot, the bare handshake's time plus the command's raw
    /// limit), for `rsh cp` the copy floor (`Contender.copyFloor`), for rshd
    /// on the echo workloads the spawn floor (`Contender.spawnFloor`).
    var floorRatio: Double?
    /// The target against the raw limit (or an absolute one), and whether it is met.
    var target: String?
    var met: Bool?
    /// The least ratio to a peer that meets a target.
    var peerTargets: [Contender: Double] = [:]
    var note: String?

    init(workload: Workload, contender: Contender, value: Double, unit: String, p50: Double? = nil, p99: Double? = nil,
         limit: Double? = nil, ratio: Double? = nil) {
        self.workload = workload
        self.contender = contender
        self.value = value
        self.unit = unit
        self.p50 = p50
        self.p99 = p99
        self.limit = limit
        self.ratio = ratio
    }

    var mode: ServerMode? { contender.mode }

    /// Whether every peer target is met; `nil` without one, or when a peer with a target was not measured.
    var peerTargetsMet: Bool? {
        guard !peerTargets.isEmpty else { return nil }
        var met = true
        for (peer, least) in peerTargets {
            guard let ratio = peerRatios[peer] else { return nil }
            met = met && ratio >= least
        }
        return met
    }
}
