import RSHFiles
import RSHProtocol
import RSHSystem

/// `rsh cp`: works out which way the files go and to which hosts, and runs
/// the copy on the fan-out engine, one host at a time with a progress line,
/// or on every host of `-w` at once.
enum CopyCommand {
    static func run(_ options: CopyOptions, interrupts: SignalReader?) throws(ClientError) -> Int32 {
        // Every frame's body is a buffer allocated and freed again: kept, not
        // given back and faulted in anew each time (MemoryAllocator).
        MemoryAllocator.keepFreedMemory(upTo: 32 << 20)
        return options.hosts.isEmpty ? try single(options, interrupts: interrupts) : try fanOut(options, interrupts: interrupts)
    }

    /// `rsh cp SOURCE... HOST:DEST` or `rsh cp HOST:SOURCE... DEST`: each
    /// host in turn (the sources may come from several), failures named as
    /// they happen, the exit status scp's.
    private static func single(_ options: CopyOptions, interrupts: SignalReader?) throws(ClientError) -> Int32 {
        let operands = options.operands.map(CopyOperand.init)
        let destination = operands.last!
        let sources = operands.dropLast()
        let work: CopyWork
        let hosts: [String]
        switch destination {
        case .remote(let host, let path):
            if let remote = sources.first(where: \.isRemote) {
                throw .unusable("cp copies between this machine and a server; \(remote.description) and \(destination.description)"
                                + " are both remote (copy through a local file)")
            }
            hosts = [host]
            work = CopyWork(direction: .upload(sources: sources.map(\.path), destination: path), settings: options.settings,
                            namesHosts: false, showsProgress: !options.quiet)
        case .local(let path):
            var byHost: [String: [String]] = [:]
            var order: [String] = []
            for source in sources {
                guard case .remote(let host, let remotePath) = source else {
                    throw .unusable("cp copies between this machine and a server; \(source.description) and \(path) are both local (use cp)")
                }
                if byHost[host] == nil { order.append(host) }
                byHost[host, default: []].append(remotePath)
            }
            // Several sources, even from several hosts, go into one directory:
            // checked here, before any host is asked for anything.
            if sources.count > 1, (try? FileOperations.info(path))?.kind != .directory {
                LocalOutput().message("rsh: \(path): not a directory (several sources are copied into a directory)")
                return 1
            }
            hosts = order
            work = CopyWork(direction: .download(sources: byHost, destination: path, perHost: false), settings: options.settings,
                            namesHosts: false, showsProgress: !options.quiet)
        }
        var engine = FanOutOptions()
        engine.hosts = hosts
        engine.window = 1
        engine.port = options.port
        engine.connectTimeout = options.connectTimeout
        let outcome = try FanOut.run(engine, work: work, interrupts: interrupts)
        if outcome.interrupted { return ExitStatus.signaled(.interrupt).shellStatus }
        var status: Int32 = 0
        for report in outcome.reports {
            switch report.ending {
            case .copied(let failures):
                if failures > 0 { status = max(status, 1) }
            case .unreachable(let reason):
                LocalOutput().message("rsh: cannot connect to \(report.host): \(reason)")
                status = 255
            case .failed(let reason):
                LocalOutput().message("rsh: \(report.host): \(reason)")
                status = 255
            case .finished:
                preconditionFailure("a copy ends as a copy")
            }
        }
        return status
    }

    /// `rsh cp -w HOSTS FILE... REMOTE_DIR` (pdcp), or with `--gather`
    /// `REMOTE_PATH... LOCAL_DIR` (rpdcp): every host at once, up to `-f`;
    /// the operands are plain paths; the summary and status are `rsh -w`'s.
    private static func fanOut(_ options: CopyOptions, interrupts: SignalReader?) throws(ClientError) -> Int32 {
        let destination = options.operands.last!
        let sources = Array(options.operands.dropLast())
        let work: CopyWork
        if options.gather {
            guard (try? FileOperations.info(destination))?.kind == .directory else {
                throw .unusable("\(destination): not a directory (--gather copies into DIR/HOST for each host)")
            }
            work = CopyWork(direction: .download(sources: Dictionary(uniqueKeysWithValues: options.hosts.map { ($0, sources) }),
                                                 destination: destination, perHost: true),
                            settings: options.settings, namesHosts: true, showsProgress: false)
        } else {
            work = CopyWork(direction: .upload(sources: sources, destination: destination), settings: options.settings,
                            namesHosts: true, showsProgress: false)
        }
        var engine = FanOutOptions()
        engine.hosts = options.hosts
        engine.window = options.window
        engine.port = options.port
        engine.connectTimeout = options.connectTimeout
        engine.quiet = options.quiet
        return FanOut.conclude(try FanOut.run(engine, work: work, interrupts: interrupts), engine)
    }
}
