import Foundation
import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// A new empty directory for one test, in the test run's scratch directory.
func scratchDirectory(_ name: String = #function) throws -> String {
    try ScratchSpace.directory("files-" + name.prefix { $0 != "(" })
}

/// The names in a directory, sorted (Foundation's listing: not the code under test).
func names(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

/// What a command-line tool prints (coreutils: sha256sum, stat), trimmed.
func tool(_ words: String...) throws -> String {
    let run = try ChildProcess.run(CommandSpec(.argv(words)))
    guard run.result.status == .exited(0) else {
        throw ToolFailure(description: "\(words.joined(separator: " ")): \(String(decoding: run.stderr, as: UTF8.self))")
    }
    return String(decoding: run.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

struct ToolFailure: Error, CustomStringConvertible { let description: String }

/// The SHA-256 of a file as sha256sum computes it, in hex.
func sha256sum(_ path: String) throws -> String { String(try tool("sha256sum", path).prefix(64)) }

/// The SHA-256 of bytes as sha256sum computes it, in hex.
func sha256sum(of bytes: [UInt8]) throws -> [UInt8] {
    let path = ScratchSpace.path("digest")
    try writeFile(path, bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return Hex.decode(try sha256sum(path))!
}

/// `stat --format` of a path: %a (mode in octal), %b (blocks), %s (size), %Y (mtime), %F (type).
func statField(_ format: String, _ path: String) throws -> String { try tool("stat", "--format", format, path) }

func randomBytes(count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
