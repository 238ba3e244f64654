import Foundation
import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// What an independent tool (openssl, ssh-keygen) printed.
struct ToolRun {
    var status: RSHProtocol.ExitStatus
    var stdout: [UInt8]
    var stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a tool with our own spawn layer: Foundation's Process watches SIGCHLD
/// for the whole test process, which the other tests' reaping must not race with.
func tool(_ arguments: [String]) throws -> ToolRun {
    let run = try ChildProcess.run(CommandSpec(.argv(arguments)))
    return ToolRun(status: run.result.status, stdout: run.stdout, stderr: String(decoding: run.stderr, as: UTF8.self))
}

/// A fresh path in the test run's scratch directory.
func scratchPath(_ name: String) -> String { ScratchSpace.path("tls-" + name) }

func writeScratch(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = scratchPath(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    chmod(path, 0o600)
    return path
}

func readScratch(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
