// The system's libcrypto (OpenSSL 3): HMAC through EVP_MAC, and
// CRYPTO_memcmp for constant-time comparison. Nothing here is hand-written
// cryptography; RSHCrypto only calls these.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
