import RSHFiles

/// `rsh cp` on each host, as the fan-out engine runs it: for the one host
/// of `rsh cp SOURCE... HOST:DEST` (or the hosts of `HOST:SOURCE... DEST`),
/// or for every host of `-w`, like pdcp (and rpdcp with `--gather`).
struct CopyWork: FanOutWork {
    enum Direction: Sendable {
        /// Local `sources` to `destination` on the host.
        case upload(sources: [String], destination: String)
        /// The host's `sources` (by host name) to local `destination`; with
        /// `perHost`, into `destination/HOST`, made as needed (`--gather`).
        case download(sources: [String: [String]], destination: String, perHost: Bool)
    }

    let direction: Direction
    let settings: FileCopier.Settings
    /// Messages start with their host (a fan-out).
    let namesHosts: Bool
    /// A progress line on a terminal (one host at a time, not `-q`).
    let showsProgress: Bool

    var stopsAtFirstInterrupt: Bool { true }

    func run(_ host: FanOut.HostRun, over client: LoopClient, in fanOut: isolated FanOut) async -> HostReport.Ending {
        let reporter = CopyReporter(host: namesHosts ? host.host : nil,
                                    progress: showsProgress ? CopyProgress.forTerminal(quiet: false) : nil)
        let copier = FileCopier(files: RemoteFiles(client: client, isAbandoned: { host.abandoned }), settings: settings,
                                reporter: reporter)
        do {
            switch direction {
            case .upload(let sources, let destination):
                try await copier.upload(sources, to: destination)
            case .download(let sources, let destination, let perHost):
                var target = destination
                if perHost {
                    target = FileCopier.join(destination, host.host)
                    do {
                        try FileOperations.makeDirectory(target, permissions: 0o755)
                    } catch {
                        reporter.failed(error.description)
                        return .copied(failures: 1)
                    }
                }
                try await copier.download(sources[host.host] ?? [], to: target)
            }
        } catch {
            return .failed(error.reason)
        }
        return .copied(failures: copier.failures)
    }
}
