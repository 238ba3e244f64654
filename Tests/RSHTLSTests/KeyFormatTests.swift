import RSHProtocol
import RSHTLS
import Testing

/// Key formats against the tools that define them: `openssl` for PEM
/// PKCS#8, `ssh-keygen` for OpenSSH's public-key lines, private-key files
/// and fingerprints.
@Suite("Key formats, checked by openssl and ssh-keygen")
struct KeyFormatTests {
    /// The 32-byte Ed25519 key at the end of the DER SubjectPublicKeyInfo `openssl pkey -pubout` writes.
    private static func opensslPublicKey(_ privateKeyPath: String) throws -> [UInt8] {
        let run = try tool(["openssl", "pkey", "-in", privateKeyPath, "-pubout", "-outform", "DER"])
        #expect(run.status == .exited(0), "\(run.stderr)")
        return Array(run.stdout.suffix(32))
    }

    /// The fingerprint field of `ssh-keygen -l -f FILE`: "256 SHA256:... comment (ED25519)".
    private static func sshKeygenFingerprint(_ path: String) throws -> (fingerprint: String, line: String) {
        let run = try tool(["ssh-keygen", "-l", "-f", path])
        #expect(run.status == .exited(0), "\(run.stderr)")
        let line = run.text.trimmingTrailingNewlines
        let fields = line.split(separator: " ")
        return (fields.count > 1 ? String(fields[1]) : "", line)
    }

    @Test("a generated key is PEM PKCS#8 that openssl reads, with the same public key")
    func generatedKeyReadByOpenSSL() throws {
        let key = try Ed25519PrivateKey.generate()
        let pem = String(decoding: key.pemPKCS8, as: UTF8.self)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let path = try writeScratch("generated.pem", key.pemPKCS8)
        #expect(try Self.opensslPublicKey(path) == key.publicKey.bytes)
        #expect(try Ed25519PrivateKey(fileContents: readScratch(path)).publicKey == key.publicKey)
    }

    @Test("a key from openssl genpkey -algorithm ED25519 is read, with openssl's public key")
    func opensslKeyRead() throws {
        let path = scratchPath("openssl.pem")
        #expect(try tool(["openssl", "genpkey", "-algorithm", "ED25519", "-out", path]).status == .exited(0))
        let key = try Ed25519PrivateKey(fileContents: readScratch(path))
        #expect(key.publicKey.bytes == (try Self.opensslPublicKey(path)))
    }

    @Test("a PEM PKCS#8 key reads as the same key in every spelling: CRLF, text around it, a damaged prefix")
    func pkcs8Spellings() throws {
        let path = scratchPath("spellings.pem")
        #expect(try tool(["openssl", "genpkey", "-algorithm", "ED25519", "-out", path]).status == .exited(0))
        let expected = try Self.opensslPublicKey(path)
        let pem = String(decoding: try readScratch(path), as: UTF8.self)
        let lines = pem.split(separator: "\n").map(String.init)
        #expect(try Ed25519PrivateKey(fileContents: Array(pem.utf8)).publicKey.bytes == expected)
        #expect(try Ed25519PrivateKey(fileContents: Array(lines.joined(separator: "\r\n").utf8)).publicKey.bytes == expected)
        // Text before the block is left to libcrypto's reader, which skips it.
        #expect(try Ed25519PrivateKey(fileContents: Array(("a note\n" + pem).utf8)).publicKey.bytes == expected)
        // A flipped bit in the DER before the seed: refused, or (where the
        // DER still reads) the same key; never another key, never a crash.
        let der = try #require(Base64.decode(lines.dropFirst().dropLast().joined()))
        #expect(der.count == 48)
        for index in 0..<16 {
            for bit in 0..<8 {
                var flipped = der
                flipped[index] ^= UInt8(1) << UInt8(bit)
                let armored = lines[0] + "\n" + Base64.encode(flipped) + "\n" + lines.last! + "\n"
                if let key = try? Ed25519PrivateKey(fileContents: Array(armored.utf8)) { #expect(key.publicKey.bytes == expected) }
            }
        }
    }

    @Test("the public-key line and fingerprint are ssh-keygen's")
    func publicLineAndFingerprint() throws {
        for _ in 0..<5 {
            let key = try Ed25519PrivateKey.generate()
            let path = try writeScratch("id.pub", Array((key.publicKey.openSSHLine(comment: "alice@example") + "\n").utf8))
            let (fingerprint, line) = try Self.sshKeygenFingerprint(path)
            #expect(fingerprint == key.publicKey.fingerprint)
            #expect(line == "256 \(key.publicKey.fingerprint) alice@example (ED25519)")
        }
    }

    @Test("an unencrypted key from ssh-keygen -t ed25519 is read: same public key, comment and fingerprint")
    func sshKeygenKeyRead() throws {
        let path = scratchPath("id_ed25519")
        let made = try tool(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bob@lab", "-f", path])
        #expect(made.status == .exited(0), "\(made.stderr)")
        let key = try Ed25519PrivateKey(fileContents: readScratch(path))
        #expect(key.comment == "bob@lab")
        let publicLine = String(decoding: try readScratch(path + ".pub"), as: UTF8.self).trimmingTrailingNewlines
        #expect(key.publicKey.openSSHLine(comment: "bob@lab") == publicLine)
        #expect(try OpenSSHPublicKeyLine(parsing: Substring(publicLine)).key == key.publicKey)
        #expect(try Self.sshKeygenFingerprint(path + ".pub").fingerprint == key.publicKey.fingerprint)
    }

    @Test("passphrase-protected keys, OpenSSH or PEM, are refused as such")
    func passphraseProtected() throws {
        let openssh = scratchPath("protected")
        #expect(try tool(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", openssh]).status == .exited(0))
        #expect(throws: KeyFormatError.passphraseProtected) { try Ed25519PrivateKey(fileContents: readScratch(openssh)) }
        let pem = scratchPath("protected.pem")
        #expect(try tool(["openssl", "genpkey", "-algorithm", "ED25519", "-aes256", "-pass", "pass:secret", "-out", pem]).status == .exited(0))
        #expect(throws: KeyFormatError.passphraseProtected) { try Ed25519PrivateKey(fileContents: readScratch(pem)) }
        #expect(KeyFormatError.passphraseProtected.description.contains("passphrase"))
    }

    @Test("keys of other types, and what is not a key, are refused with the reason")
    func otherKeys() throws {
        let rsa = scratchPath("rsa.pem")
        #expect(try tool(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", rsa]).status == .exited(0))
        #expect(throws: KeyFormatError.notEd25519("RSA")) { try Ed25519PrivateKey(fileContents: readScratch(rsa)) }
        let ecdsa = scratchPath("id_ecdsa")
        #expect(try tool(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", ecdsa]).status == .exited(0))
        #expect(throws: KeyFormatError.notEd25519("ecdsa-sha2-nistp256")) { try Ed25519PrivateKey(fileContents: readScratch(ecdsa)) }
        #expect(throws: KeyFormatError.unrecognized) { try Ed25519PrivateKey(fileContents: Array("hello\n".utf8)) }
        // The public half where the private one belongs: not a private key.
        #expect(throws: KeyFormatError.unrecognized) { try Ed25519PrivateKey(fileContents: readScratch(ecdsa + ".pub")) }
        let ecdsaLine = String(decoding: try readScratch(ecdsa + ".pub"), as: UTF8.self)
        #expect(throws: OpenSSHPublicKeyLine.Problem.unsupportedType("ecdsa-sha2-nistp256")) {
            try OpenSSHPublicKeyLine(parsing: Substring(ecdsaLine))
        }
    }

    @Test("a damaged OpenSSH key is refused, never a crash")
    func damagedOpenSSHKey() throws {
        let path = scratchPath("damaged")
        #expect(try tool(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path]).status == .exited(0))
        let text = String(decoding: try readScratch(path), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        let body = try #require(Base64.decode(lines.dropFirst().dropLast().joined()))
        var generator = SystemRandomNumberGenerator()
        for cut in stride(from: 0, to: body.count, by: 7) {
            let armored = lines[0] + "\n" + Base64.encode(body.prefix(cut)) + "\n" + lines.last! + "\n"
            #expect(throws: KeyFormatError.self) { try Ed25519PrivateKey(fileContents: Array(armored.utf8)) }
        }
        for _ in 0..<200 {
            var flipped = body
            flipped[Int.random(in: 0..<flipped.count, using: &generator)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
            let armored = lines[0] + "\n" + Base64.encode(flipped) + "\n" + lines.last! + "\n"
            // A flip in the comment or the padding area may still give a key: then it must be the same key.
            if let key = try? Ed25519PrivateKey(fileContents: Array(armored.utf8)) {
                #expect(key.publicKey == (try Ed25519PrivateKey(fileContents: readScratch(path))).publicKey)
            }
        }
    }

    @Test("public-key lines: the comment is kept; a bad blob or base64 is malformed")
    func publicKeyLines() throws {
        let key = try Ed25519PrivateKey.generate().publicKey
        let parsed = try OpenSSHPublicKeyLine(parsing: Substring(key.openSSHLine(comment: "two words here")))
        #expect(parsed.key == key)
        #expect(parsed.comment == "two words here")
        #expect(try OpenSSHPublicKeyLine(parsing: Substring("ssh-ed25519\t" + Base64.encode(key.blob))).comment == "")
        #expect(throws: OpenSSHPublicKeyLine.Problem.self) { try OpenSSHPublicKeyLine(parsing: "ssh-ed25519 !!!!") }
        #expect(throws: OpenSSHPublicKeyLine.Problem.self) {
            try OpenSSHPublicKeyLine(parsing: Substring("ssh-ed25519 " + Base64.encode(key.blob.dropLast())))
        }
        #expect(throws: OpenSSHPublicKeyLine.Problem.self) { try OpenSSHPublicKeyLine(parsing: "ssh-ed25519") }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
