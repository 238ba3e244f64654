import RSHFiles
import RSHProtocol
import RSHSystem
import RSHTLS

/// `rsh cp`: works out which way the files go and to which hosts, and runs
/// the copy on the fan-out engine, one host at a time with a progress line,
/// or on every host of `-w` at once.
enum CopyCommand {
    /// `connection`: how hosts are reached (port, timeout, TLS and keys).
    static func run(_ options: CopyOptions, connection: ClientOptions) throws(ClientError) -> Int32 {
        // Every frame's body is a buffer allocated and freed again: kept, not
        // given back and faulted in anew each time (MemoryAllocator).
        MemoryAllocator.keepFreedMemory(upTo: 32 << 20)
        // Every copy hashes with libcrypto, `--plain` too: load it now, so
        // that an install without it fails before any file is touched.
        _ = SHA256.digest([])
        let preSharedKey = try ClientCommand.preSharedKey(connection)
        return options.hosts.isEmpty ? try single(options, connection, preSharedKey: preSharedKey)
                                     : try fanOut(options, connection, preSharedKey: preSharedKey)
    }

    /// `rsh cp SOURCE... HOST:DEST` or `rsh cp HOST:SOURCE... DEST`: each
    /// host in turn (the sources may come from several), failures named as
    /// they happen, the exit status scp's.
    private static func single(_ options: CopyOptions, _ connection: ClientOptions, preSharedKey: [UInt8]?) throws(ClientError) -> Int32 {
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
        engine.port = connection.port
        if let timeout = connection.connectTimeout { engine.connectTimeout = timeout }
        // The first host is connected now, its key checked (which may ask at
        // the terminal) while Ctrl-C still simply ends rsh, as in scp.
        let security = try ClientSecurity(options: connection, preSharedKey: preSharedKey)
        let address: SocketAddress
        do {
            address = try SocketAddress.lookUp(hosts[0], defaultPort: engine.port)
        } catch {
            switch error {
            case .malformed: throw .unusable("cannot understand the address \"\(hosts[0])\"")
            case .unresolved(let host, let reason): throw .unresolved(host: host, reason: reason)
            }
        }
        let first = try security.connect(target: hosts[0], address: address)
        // One host at a time: reads of 1 MiB, which take a 1 GiB download's
        // system time from 0.81-1.08 s (reads of 64 KiB) to 0.62-0.68 s.
        let outcome = try FanOut.run(engine, work: work, security: security, connected: [hosts[0]: first],
                                     readSize: 1 << 20, interrupts: ClientCommand.interruptReader())
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
    private static func fanOut(_ options: CopyOptions, _ connection: ClientOptions, preSharedKey: [UInt8]?) throws(ClientError) -> Int32 {
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
        engine.port = connection.port
        if let timeout = connection.connectTimeout { engine.connectTimeout = timeout }
        engine.quiet = options.quiet
        let security = try ClientSecurity(options: connection, preSharedKey: preSharedKey, batch: true)
        return FanOut.conclude(try FanOut.run(engine, work: work, security: security, interrupts: ClientCommand.interruptReader()), engine)
    }
}
