import RemoteShell

/// One cell of the report: a workload on a mode, with its limit and target.
struct BenchResult {
    var workload: Workload
    var mode: ServerMode
    /// The headline figure, in `unit`.
    var value: Double
    var unit: String
    var p50: Double?
    var p99: Double?
    var serverCPUSeconds: Double
    var peakRSSMiB: Double
    var rssGrowthMiB: Double
    var threads: Int
    /// The generator's CPU time over the wall time: near 1.0 would mean the generator, not the server, was the limit.
    var generatorShare: Double
    /// The raw limit of this run, in `unit`, and value / limit (higher is better).
    var limit: Double?
    var ratio: Double?
    var target: String?
    var met: Bool?
    var note: String?
}
