import RSHProtocol
import RSHSystem

/// `rsh`: the command line of the client.
public enum ClientCommand {
    /// Parses the command line, runs the command(s), and exits with the remote status.
    public static func main(_ arguments: [String]) -> Never {
        let options: ClientOptions
        do {
            guard let parsed = try ClientOptions.parse(arguments.dropFirst()) else { exitProcess(0) }
            options = parsed
        } catch {
            printError("rsh: \(error.message)\nTry 'rsh --help'.")
            exitProcess(2)
        }
        SignalDisposition.ignoreBrokenPipe()
        let output = LocalOutput()
        do {
            exitProcess(try run(options))
        } catch {
            if case .localOutputClosed = error {} else { output.message("rsh: \(error)") }
            exitProcess(error.exitStatus)
        }
    }

    private static func run(_ options: ClientOptions) throws(ClientError) -> Int32 {
        if let request = options.keygen { return Keygen.run(request) }
        if let (host, reason) = options.unresolvedTarget { throw .unresolved(host: host, reason: reason) }
        if options.keyscan {
            let key = try ClientSecurity(options: options).scan(target: options.target, address: options.address)
            printOutput(KnownHosts.line(name: KnownHosts.name(forTarget: options.target, port: options.port), key: key))
            return 0
        }
        if let copy = options.copy { return try CopyCommand.run(copy, connection: options) }
        let preSharedKey = try preSharedKey(options)
        if var fanOut = options.fanOut {
            if fanOut.stdin != nil { fanOut.stdin = try readAll(.standardInput) }
            let security = try ClientSecurity(options: options, preSharedKey: preSharedKey, batch: true)
            return FanOut.conclude(try FanOut.run(fanOut, work: CommandWork(options: fanOut), security: security,
                                                  interrupts: interruptReader()), fanOut)
        }
        if try wantsTerminal(options) { return try runOnTerminal(options, preSharedKey: preSharedKey) }
        let interactive = options.command.isEmpty && FileDescriptor.standardInput.isTerminal
        if options.classic {
            guard preSharedKey == nil else {
                throw .unusable("the classic format cannot use a key; servers with a key refuse it (drop --key-file and RSH_KEY_FILE)")
            }
            var runner = try ClassicRunner(target: options.target, address: options.address, connectTimeout: options.connectTimeout,
                                           timeout: options.timeout)
            if !options.command.isEmpty { return try runner.run(options.command.joined(separator: " ")).status }
            return try runLines(&runner, options: options, interactive: interactive, interrupts: nil)
        }
        // Connected (and the server's key checked, which may ask at the
        // terminal) while Ctrl-C still simply ends rsh, as in ssh.
        let security = try ClientSecurity(options: options, preSharedKey: preSharedKey)
        let stream = try security.connect(target: options.target, address: options.address)
        let interrupts = interruptReader()
        let connection = ClientConnection(target: options.target, stream: stream, identity: security.offeredIdentity,
                                          interrupts: interrupts)
        if !options.command.isEmpty {
            let command: ExecRequest.Command = options.argv ? .argv(options.command) : .shell(options.command.joined(separator: " "))
            let report = try connection.execute(command, environment: options.environment, workingDirectory: options.workingDirectory,
                                                timeout: options.timeout, stdin: options.noStdin ? nil : .standardInput)
            return CommandRunner.status(of: report)
        }
        if interactive {
            try connection.waitUntilReady()
            let hello = connection.serverHello.map { " (\($0.server), \($0.mode) mode)" } ?? ""
            LocalOutput().message("""
                rsh: connected to \(options.target)\(hello); each line runs as one command.
                rsh: for a full terminal (vim, top, a shell), use rsh -t \(options.target). exit or Ctrl-D leaves.
                """)
        }
        var runner = CommandRunner(connection: connection, options: options)
        return try runLines(&runner, options: options, interactive: interactive, interrupts: interrupts)
    }

    /// The pre-shared key of `--key-file` (or RSH_KEY_FILE), if one is given.
    static func preSharedKey(_ options: ClientOptions) throws(ClientError) -> [UInt8]? {
        guard let path = options.keyFile else { return nil }
        do {
            return try PreSharedKeyFile.load(path)
        } catch {
            throw .unusable(error.description)
        }
    }

    /// From here on Ctrl-C is read from a signalfd: it interrupts the remote
    /// command (or the line being typed, or a fan-out, or a copy), not rsh itself.
    static func interruptReader() -> SignalReader? {
        do {
            try SignalDisposition.block([.interrupt])
            return try SignalReader([.interrupt])
        } catch {
            return nil
        }
    }

    /// Everything `fd` holds until its end (`--stdin` of a fan-out: every host gets the same bytes).
    private static func readAll(_ fd: FileDescriptor) throws(ClientError) -> [UInt8] {
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Limits.readChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count: Int
            do {
                count = try fd.read(into: buffer)
            } catch .wouldBlock {
                _ = try? fd.poll(for: .readable, timeoutMilliseconds: -1)
                continue
            } catch {
                throw .unusable("cannot read stdin: \(error)")
            }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }

    /// Whether to run on a remote terminal: `-tt` always, `-t` when stdin is a
    /// terminal (as ssh, it says so when it is not).
    private static func wantsTerminal(_ options: ClientOptions) throws(ClientError) -> Bool {
        let wanted: Bool
        switch options.terminal {
        case .none, .never: return false
        case .forced: wanted = true
        case .requested:
            wanted = FileDescriptor.standardInput.isTerminal
            if !wanted { LocalOutput().message("rsh: no remote terminal, since stdin is not a terminal (-tt forces one)") }
        }
        if wanted, options.classic { throw .unusable("the classic format has no terminals (drop -t or --classic)") }
        if wanted, options.fanOut != nil { throw .unusable("-w runs commands without terminals (drop -t)") }
        return wanted
    }

    /// `rsh -t`: the command, or the login shell, on a remote terminal, with
    /// the local one raw until the end, whatever the end is.
    private static func runOnTerminal(_ options: ClientOptions, preSharedKey: [UInt8]?) throws(ClientError) -> Int32 {
        let terminal = try LocalTerminal()
        let security = try ClientSecurity(options: options, preSharedKey: preSharedKey)
        let stream = try security.connect(target: options.target, address: options.address)
        let connection = ClientConnection(target: options.target, stream: stream, identity: security.offeredIdentity, interrupts: nil)
        let command: ExecRequest.Command
        if options.command.isEmpty {
            command = .loginShell
        } else {
            command = options.argv ? .argv(options.command) : .shell(options.command.joined(separator: " "))
        }
        // Cooked until the server has answered: what goes wrong before that
        // reads as usual, and keys typed meanwhile wait in the terminal.
        try connection.waitUntilReady()
        try terminal.enterRawMode()
        defer { terminal.restore() }
        let report = try connection.executeOnTerminal(command, terminal, environment: options.environment,
                                                      workingDirectory: options.workingDirectory, timeout: options.timeout)
        return CommandRunner.status(of: report)
    }

    /// The interactive prompt, or a script read from stdin: one command per line.
    private static func runLines(_ runner: inout some LineRunner, options: ClientOptions, interactive: Bool,
                                 interrupts: SignalReader?) throws(ClientError) -> Int32 {
        let output = LocalOutput()
        var input = lineInput(interactive: interactive, interrupts: interrupts)
        var status: Int32 = 0
        var directory = options.workingDirectory
        while true {
            switch try input.next(prompt: interactive ? prompt(options.target, directory) : nil) {
            case .endOfFile:
                if interactive { output.message("") }
                return status
            case .interrupted:
                // The terminal echoed "^C" and dropped the line; the next prompt goes below it.
                LocalOutput.atLineStart = false
                if !interactive { return ExitStatus.signaled(.interrupt).shellStatus }
            case .undecodable:
                output.message("rsh: skipped a line that is not valid UTF-8")
                status = 255
                if options.stopOnError { return status }
            case .text(let line):
                let trimmed = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if trimmed.isEmpty { continue }
                if interactive, trimmed.first == "exit" || trimmed.first == "quit" {
                    return trimmed.count > 1 ? Int32(trimmed[1]).map { $0 & 0xFF } ?? status : status
                }
                let outcome: LineOutcome
                do {
                    outcome = try runner.run(line)
                } catch .rejected(let error) {
                    output.message("rsh: \(error.message)")
                    outcome = LineOutcome(status: 255, note: nil)
                }
                status = outcome.status
                if let commandRunner = runner as? CommandRunner { directory = commandRunner.workingDirectory }
                if interactive, let note = outcome.note { output.note(note) }
                if options.stopOnError, status != 0 { return status }
            }
        }
    }

    /// The line editor at a terminal; plain lines from a script, or when
    /// libedit cannot be loaded (then the prompt works without editing).
    private static func lineInput(interactive: Bool, interrupts: SignalReader?) -> any LineInput {
        let reader = LineReader(descriptor: .standardInput, interrupts: interrupts)
        guard interactive else { return reader }
        do {
            return try LineEditor(interrupts: interrupts)
        } catch {
            LocalOutput().message("rsh: no line editing: \(error)")
            return reader
        }
    }

    private static func prompt(_ target: String, _ directory: String?) -> String {
        "\(target)\(directory.map { ":" + $0 } ?? "")$ "
    }
}
