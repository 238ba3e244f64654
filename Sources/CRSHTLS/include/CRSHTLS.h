// What Swift cannot call in OpenSSL: its function-like macros (options,
// modes, protocol versions, BIO controls) and its variadic functions. Each
// wrapper is one line over the macro it names. Only RSHTLS imports this.
// openssl.c loads libssl and libcrypto when one of their functions is first
// called: nothing links them.
#ifndef CRSH_TLS_H
#define CRSH_TLS_H

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

/// Applies what every rsh context shares: TLS 1.3 as both the minimum and
/// the maximum version, no renegotiation, no session tickets or session
/// cache (so no resumption and no 0-RTT), and buffers released while a
/// connection is idle. Returns 1, or 0 when OpenSSL refused a setting.
int crsh_tls_configure_context(SSL_CTX *context);

/// BIO_get_mem_data: the unread bytes of a memory BIO, without copying them.
long crsh_tls_memory_bio_contents(BIO *bio, const uint8_t **contents);

/// BIO_set_retry_read and BIO_clear_retry_flags, for a BIO method's read.
void crsh_tls_bio_set_retry_read(BIO *bio);
void crsh_tls_bio_clear_retry_flags(BIO *bio);

/// SSL_get_negotiated_group, by name ("X25519"); NULL when the handshake
/// had no (EC)DHE key exchange.
const char *crsh_tls_key_exchange_group(SSL *ssl);

/// Makes `certificate`'s subject public key the Ed25519 key `key` (32
/// bytes): its algorithm and its bits, as RFC 8410 lays them out, set in
/// place (OPENSSL_malloc is a macro). Returns 1, or 0 when out of memory.
int crsh_tls_set_ed25519_public_key(X509 *certificate, const uint8_t *key);

/// ERR_GET_LIB and ERR_GET_REASON of a packed error code.
int crsh_tls_error_library(unsigned long code);
int crsh_tls_error_reason(unsigned long code);

#endif
