#include "CRSHTLS.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <string.h>

int crsh_tls_configure_context(SSL_CTX *context) {
    if (SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) != 1) return 0;
    if (SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) return 0;
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    // Tickets would let a later connection resume this one (and send early
    // data); every connection here does a full handshake instead.
    if (SSL_CTX_set_num_tickets(context, 0) != 1) return 0;
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    // A server that verifies clients must name its sessions' context, or
    // OpenSSL fails every handshake that uses a session: with an external
    // pre-shared key, all of them.
    static const unsigned char session_context[] = "rsh";
    if (SSL_CTX_set_session_id_context(context, session_context, sizeof session_context - 1) != 1) return 0;
    // RELEASE_BUFFERS: an idle connection keeps no 16 KiB record buffers.
    // ENABLE_PARTIAL_WRITE and ACCEPT_MOVING_WRITE_BUFFER: SSL_write takes
    // what it can from the front of a send queue that moves between calls.
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                     | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return 1;
}

long crsh_tls_memory_bio_contents(BIO *bio, const uint8_t **contents) {
    char *pointer = NULL;
    long length = BIO_get_mem_data(bio, &pointer);
    *contents = (const uint8_t *)pointer;
    return length;
}

void crsh_tls_bio_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }

void crsh_tls_bio_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }

const char *crsh_tls_key_exchange_group(SSL *ssl) {
    int nid = SSL_get_negotiated_group(ssl);
    return nid > 0 ? OBJ_nid2sn(nid) : NULL;
}

int crsh_tls_set_ed25519_public_key(X509 *certificate, const uint8_t *key) {
    enum { length = 32 };
    unsigned char *bits = OPENSSL_malloc(length);
    if (bits == NULL) return 0;
    memcpy(bits, key, length);
    // Ed25519's algorithm identifier has no parameters (V_ASN1_UNDEF: none,
    // not NULL). The X509_PUBKEY takes ownership of the bits.
    if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(certificate), OBJ_nid2obj(NID_ED25519), V_ASN1_UNDEF, NULL,
                               bits, length) != 1) {
        OPENSSL_free(bits);
        return 0;
    }
    return 1;
}

int crsh_tls_error_library(unsigned long code) { return ERR_GET_LIB(code); }

int crsh_tls_error_reason(unsigned long code) { return ERR_GET_REASON(code); }
