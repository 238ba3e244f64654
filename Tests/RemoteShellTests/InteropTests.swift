import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// rshd's TLS against an independent client, OpenSSL's own `s_client`.
@Suite("Interoperability: openssl s_client")
struct InteropTests {
    @Test("s_client negotiates TLS 1.3 and sees a certificate whose public key is the host key; TLS 1.2 is refused",
          arguments: ServerMode.allCases)
    func certificateCarriesHostKey(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let session = try TestProcess.run(["openssl", "s_client", "-connect", server.address, "-tls1_3", "-showcerts"])
        #expect(session.stdout.contains("New, TLSv1.3, Cipher is TLS_"), "\(session.stdout)")
        let pem = try #require(session.stdout.firstRange(of: "-----BEGIN CERTIFICATE-----").flatMap { begin in
            session.stdout.firstRange(of: "-----END CERTIFICATE-----").map { String(session.stdout[begin.lowerBound..<$0.upperBound]) + "\n" }
        })
        let certificate = Scratch.path("certificate.pem")
        try Data(pem.utf8).write(to: URL(fileURLWithPath: certificate))
        let publicKey = Scratch.path("public.pem")
        #expect(try TestProcess.run(["openssl", "x509", "-in", certificate, "-pubkey", "-noout", "-out", publicKey]).shellStatus == 0)
        let der = try TestProcess.run(["openssl", "pkey", "-pubin", "-in", publicKey, "-outform", "DER"])
        #expect(Array(der.stdoutBytes.suffix(32)) == server.hostKey.bytes)
        let old = try TestProcess.run(["openssl", "s_client", "-connect", server.address, "-tls1_2"])
        #expect(old.shellStatus != 0)
        #expect(old.stderr.contains("protocol version"), "\(old.stderr)")
    }

    @Test("s_client with the pre-shared key (and a SHA-256 suite, as the key's hash asks) runs a command")
    func preSharedKey() throws {
        let server = try ServerProcess(.coroutine, ["--key-file", TestKey.path])
        let transcript = Scratch.path("transcript")
        try Data(Limits.preface + ClientMessage.hello(version: 1, client: "s_client").encoded
                 + ClientMessage.exec(ExecRequest(id: 1, command: .shell("echo interop"))).encoded).write(to: URL(fileURLWithPath: transcript))
        let key = String(decoding: try readFile(TestKey.path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // s_client sends its stdin and stops at its end: the sleep leaves time for the answer.
        let session = try TestProcess.run(["/bin/sh", "-c", "{ cat \"$1\"; sleep 1.5; } | openssl s_client -connect \"$2\" -tls1_3 "
                                           + "-ciphersuites TLS_AES_128_GCM_SHA256 -psk \"$3\" -psk_identity rsh -quiet",
                                           "sh", transcript, server.address, key])
        #expect(session.stdout.contains(#""type":"stdout","id":1,"total_size":8}interop"#), "\(session.stdout) \(session.stderr)")
        #expect(eventually { server.log.contains("auth=psk") && server.log.contains("X25519") })
    }
}
