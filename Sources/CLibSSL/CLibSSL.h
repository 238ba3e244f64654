// The system's libssl and libcrypto (OpenSSL 3): TLS 1.3 through memory
// BIOs, Ed25519 keys, self-signed X.509 certificates as key carriers, PEM,
// and SHA-256. Nothing here is hand-written cryptography; RSHTLS only
// configures and calls these.
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
