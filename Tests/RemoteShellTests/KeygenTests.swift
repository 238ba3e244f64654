import Foundation
import RemoteShell
import RSHSystem
import RSHTLS
import Testing

@Suite("rsh keygen")
struct KeygenTests {
    @Test("writes a PEM PKCS#8 key (0600) that openssl reads, a .pub line, and the fingerprint ssh-keygen -l prints")
    func keyPair() throws {
        let path = Scratch.path("id_ed25519")
        let keygen = try TestProcess.run([Binaries.rsh, "keygen", path])
        #expect(keygen.shellStatus == 0, "\(keygen.stderr)")
        #expect(try FileStatus(path: path).permissions == 0o600)
        #expect(try FileStatus(path: path + ".pub").permissions == 0o644)
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let openssl = try TestProcess.run(["openssl", "pkey", "-in", path, "-noout", "-text"])
        #expect(openssl.shellStatus == 0)
        #expect(openssl.stdout.hasPrefix("ED25519 Private-Key:"))
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(publicLine.hasPrefix("ssh-ed25519 AAAA"))
        #expect(publicLine.hasSuffix(" \(ProcessIdentity.userName)@\(ProcessIdentity.hostName)\n"))
        let sshKeygen = try TestProcess.run(["ssh-keygen", "-l", "-f", path + ".pub"])
        #expect(sshKeygen.shellStatus == 0)
        #expect(!sshKeygen.stdout.isEmpty)
        #expect(keygen.stdout.hasSuffix(sshKeygen.stdout), "rsh: \(keygen.stdout)\nssh-keygen: \(sshKeygen.stdout)")
        #expect(try IdentityFile.load(path).publicKey.openSSHLine(comment: "") == String(publicLine.split(separator: " ").prefix(2).joined(separator: " ")))
    }

    @Test("never overwrites a key or its .pub; a second run fails with status 1 and one line")
    func noOverwrite() throws {
        let path = Scratch.path("id_ed25519")
        #expect(try TestProcess.run([Binaries.rsh, "keygen", path]).shellStatus == 0)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let again = try TestProcess.run([Binaries.rsh, "keygen", path])
        #expect(again.shellStatus == 1)
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
        let orphan = Scratch.path("orphan")
        try Data("ssh-ed25519 AAAA\n".utf8).write(to: URL(fileURLWithPath: orphan + ".pub"))
        #expect(try TestProcess.run([Binaries.rsh, "keygen", orphan]).shellStatus == 1)
        #expect(!FileManager.default.fileExists(atPath: orphan))
    }

    @Test("without a FILE: ~/.rsh/id_ed25519, in a ~/.rsh made 0700")
    func defaultPath() throws {
        let home = Scratch.path("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let environment = TestHome.environment.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + home]
        let keygen = try TestProcess.run([Binaries.rsh, "keygen"], environment: environment)
        #expect(keygen.shellStatus == 0, "\(keygen.stderr)")
        #expect(keygen.stdout.contains(home + "/.rsh/id_ed25519"))
        #expect(try FileStatus(path: home + "/.rsh").permissions == 0o700)
        #expect(try FileStatus(path: home + "/.rsh/id_ed25519").permissions == 0o600)
        #expect(FileManager.default.fileExists(atPath: home + "/.rsh/id_ed25519.pub"))
    }

    @Test("keygen --help and keyscan --help say what they do, and make or ask nothing")
    func help() throws {
        let home = Scratch.path("help-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let environment = TestHome.environment.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + home]
        let keygen = try TestProcess.run([Binaries.rsh, "keygen", "--help"], environment: environment)
        #expect(keygen.shellStatus == 0)
        #expect(keygen.stdout.hasPrefix("rsh keygen [FILE] makes a new Ed25519 key pair"))
        #expect(keygen.stdout.contains("rsh keygen --psk FILE"))
        #expect(keygen.stderr.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).isEmpty, "keygen --help made no key")
        for words in [["keygen", "--psk", "--help"], ["keygen", "FILE", "-h"]] {
            let late = try TestProcess.run([Binaries.rsh] + words, environment: environment)
            #expect(late.shellStatus == 0 && late.stdout == keygen.stdout, "\(words): \(late.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).isEmpty, "keygen --help made no key")
        let keyscan = try TestProcess.run([Binaries.rsh, "keyscan", "--help"], environment: environment)
        #expect(keyscan.shellStatus == 0)
        #expect(keyscan.stdout.hasPrefix("rsh keyscan HOST[:PORT] prints the server's line"))
        let short = try TestProcess.run([Binaries.rsh, "keyscan", "-h"], environment: environment)
        #expect(short.shellStatus == 0 && short.stdout == keyscan.stdout)
        // The same words as in rsh --help.
        let help = try TestProcess.run([Binaries.rsh, "--help"])
        #expect(help.stdout.contains(keygen.stdout) && help.stdout.contains(keyscan.stdout))
    }
}
