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
        if options.keyscan {
            let key = try ClientSecurity(options: options).scan(target: options.target, address: options.address)
            printOutput(KnownHosts.line(name: KnownHosts.name(forTarget: options.target, defaultPort: ClientOptions.defaultPort), key: key))
            return 0
        }
        var preSharedKey: [UInt8]?
        if let path = options.keyFile {
            do {
                preSharedKey = try PreSharedKeyFile.load(path)
            } catch {
                throw .unusable(error.description)
            }
        }
        let interactive = options.command.isEmpty && FileDescriptor.standardInput.isTerminal
        if options.classic {
            guard preSharedKey == nil else {
                throw .unusable("the classic format cannot use a key; servers with a key refuse it (drop --key-file and RSH_KEY_FILE)")
            }
            var runner = try ClassicRunner(target: options.target, address: options.address, timeout: options.timeout)
            if !options.command.isEmpty { return try runner.run(options.command.joined(separator: " ")).status }
            return try runLines(&runner, options: options, interactive: interactive, interrupts: nil)
        }
        // Connected (and the server's key checked, which may ask at the
        // terminal) while Ctrl-C still simply ends rsh, as in ssh.
        let security = try ClientSecurity(options: options, preSharedKey: preSharedKey)
        let stream = try security.connect(target: options.target, address: options.address)
        // From here on Ctrl-C is read from a signalfd: it interrupts the
        // remote command (or the line being typed), not rsh itself.
        let interrupts: SignalReader?
        do {
            try SignalDisposition.block([.interrupt])
            interrupts = try SignalReader([.interrupt])
        } catch {
            interrupts = nil
        }
        let connection = ClientConnection(target: options.target, stream: stream, identity: security.offeredIdentity,
                                              interrupts: interrupts)
        if !options.command.isEmpty {
            let command: ExecRequest.Command = options.argv ? .argv(options.command) : .shell(options.command.joined(separator: " "))
            let report = try connection.execute(command, environment: options.environment, workingDirectory: options.workingDirectory,
                                                timeout: options.timeout, stdin: options.noStdin ? nil : .standardInput)
            return CommandRunner.status(of: report)
        }
        if interactive { try connection.waitUntilReady() }
        var runner = CommandRunner(connection: connection, options: options)
        return try runLines(&runner, options: options, interactive: interactive, interrupts: interrupts)
    }

    /// The interactive prompt, or a script read from stdin: one command per line.
    private static func runLines(_ runner: inout some LineRunner, options: ClientOptions, interactive: Bool,
                                 interrupts: SignalReader?) throws(ClientError) -> Int32 {
        let output = LocalOutput()
        var reader = LineReader(descriptor: .standardInput, interrupts: interrupts)
        var status: Int32 = 0
        var directory = options.workingDirectory
        while true {
            if interactive { try output.prompt(prompt(options.target, directory)) }
            switch reader.next() {
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

    private static func prompt(_ target: String, _ directory: String?) -> String {
        "\(target)\(directory.map { ":" + $0 } ?? "")$ "
    }
}
