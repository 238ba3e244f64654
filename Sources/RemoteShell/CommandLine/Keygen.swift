/// `rsh keygen`: makes a key pair (or a pre-shared key) and says where it went.
enum Keygen {
    /// 0, or 1 when the key cannot be written (as ssh-keygen).
    static func run(_ request: KeygenRequest) -> Int32 {
        switch request {
        case .preSharedKey(let path):
            do {
                try PreSharedKeyFile.generate(path)
            } catch {
                printError("rsh: \(error)")
                return 1
            }
            printOutput("Your pre-shared key has been saved in \(path)\nGive it to rshd --key-file and rsh --key-file (or RSH_KEY_FILE).")
            return 0
        case .identity(let requested):
            guard let path = requested ?? RSHPaths.identity else {
                printError("rsh: no home directory for ~/.rsh; give keygen a FILE")
                return 1
            }
            let comment = IdentityFile.defaultComment
            do {
                let key = try IdentityFile.generate(path, comment: comment)
                printOutput("""
                Your identification has been saved in \(path)
                Your public key has been saved in \(path).pub
                Put that line in a server's ~/.rsh/authorized_keys to log in with this key.
                The key fingerprint is:
                \(IdentityFile.fingerprintLine(key.publicKey, comment: comment))
                """)
            } catch {
                printError("rsh: \(error)")
                return 1
            }
            return 0
        }
    }
}
