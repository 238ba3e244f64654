// libssl and libcrypto, loaded on their first call instead of linked.
//
// A program linked with libssl and libcrypto loads them at every start, and
// here that costs ~1.1 ms (their ~24,000 relocations, ~5,000 of them symbol
// lookups, and libcrypto's CPU probe at load): a fifth of `rsh --plain HOST
// true`, which never calls them. So nothing links them. Each OpenSSL
// function that rsh and rshd call is defined below with the prototype of
// OpenSSL's own header, which the compiler checks the definition against,
// and forwards to the library's function, looked up by name on its first
// call. CLineEditor loads libedit the same way, for the same reason.
//
// The definitions are hidden: they are not in the executable's dynamic
// symbol table, so libssl's own calls to these names bind to libssl's
// functions, never back to these.
//
// The set is what the Swift code and shim.c call, OpenSSL's macros expanded:
// a call to a function that is not here fails at link time, naming it.
#define _GNU_SOURCE
#include "CRSHTLS.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define STRINGIFY(x) #x
#define SONAME(library, major) "lib" library ".so." STRINGIFY(major)

// libssl's soname for the headers compiled against ("libssl.so.3");
// dlopen brings libcrypto in as its dependency, and dlsym on libssl's
// handle searches both.
static const char *const library_name = SONAME("ssl", OPENSSL_VERSION_MAJOR);
static void *library;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_library(void) {
    library = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        // Without OpenSSL there is no TLS, no key and no hash: a broken
        // install, said in one line, with ssh's status for a failed connection.
        fprintf(stderr, "%s: cannot load OpenSSL: %s\n", program_invocation_short_name, dlerror());
        _exit(255);
    }
}

/// The address of OpenSSL's function `name`, loading the library on the first call.
static void *resolve(void **slot, const char *name) {
    void *function = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (function != NULL) return function;
    pthread_once(&load_once, load_library);
    function = dlsym(library, name);
    if (function == NULL) {
        fprintf(stderr, "%s: %s has no %s: %s\n", program_invocation_short_name, library_name, name, dlerror());
        _exit(255);
    }
    __atomic_store_n(slot, function, __ATOMIC_RELEASE);
    return function;
}

#define HIDDEN __attribute__((visibility("hidden")))

#define FORWARD(result, name, parameters, arguments)                                   \
    HIDDEN result name parameters {                                                    \
        static void *slot;                                                             \
        return ((result(*) parameters)resolve(&slot, #name)) arguments;                \
    }

#define FORWARD_VOID(name, parameters, arguments)                                      \
    HIDDEN void name parameters {                                                      \
        static void *slot;                                                             \
        ((void(*) parameters)resolve(&slot, #name)) arguments;                         \
    }

FORWARD_VOID(BIO_clear_flags, (BIO *b, int flags), (b, flags))
FORWARD(long, BIO_ctrl, (BIO *bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg))
FORWARD(int, BIO_free, (BIO *a), (a))
FORWARD(void *, BIO_get_data, (BIO *a), (a))
FORWARD(int, BIO_get_new_index, (void), ())
FORWARD(BIO_METHOD *, BIO_meth_new, (int type, const char *name), (type, name))
FORWARD(int, BIO_meth_set_create, (BIO_METHOD *biom, int (*create)(BIO *)), (biom, create))
FORWARD(int, BIO_meth_set_ctrl, (BIO_METHOD *biom, long (*ctrl)(BIO *, int, long, void *)), (biom, ctrl))
FORWARD(int, BIO_meth_set_destroy, (BIO_METHOD *biom, int (*destroy)(BIO *)), (biom, destroy))
FORWARD(int, BIO_meth_set_read, (BIO_METHOD *biom, int (*read)(BIO *, char *, int)), (biom, read))
FORWARD(int, BIO_meth_set_write, (BIO_METHOD *biom, int (*write)(BIO *, const char *, int)), (biom, write))
FORWARD(BIO *, BIO_new, (const BIO_METHOD *type), (type))
FORWARD(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len))
FORWARD(const BIO_METHOD *, BIO_s_mem, (void), ())
FORWARD_VOID(BIO_set_data, (BIO *a, void *ptr), (a, ptr))
FORWARD_VOID(BIO_set_flags, (BIO *b, int flags), (b, flags))
FORWARD_VOID(BIO_set_init, (BIO *a, int init), (a, init))
FORWARD(BIGNUM *, BN_bin2bn, (const unsigned char *s, int len, BIGNUM *ret), (s, len, ret))
FORWARD_VOID(BN_free, (BIGNUM *a), (a))
FORWARD(ASN1_INTEGER *, BN_to_ASN1_INTEGER, (const BIGNUM *bn, ASN1_INTEGER *ai), (bn, ai))
FORWARD_VOID(CRYPTO_free, (void *ptr, const char *file, int line), (ptr, file, line))
FORWARD(void *, CRYPTO_malloc, (size_t num, const char *file, int line), (num, file, line))
FORWARD_VOID(ERR_clear_error, (void), ())
FORWARD_VOID(ERR_error_string_n, (unsigned long e, char *buf, size_t len), (e, buf, len))
FORWARD(unsigned long, ERR_get_error, (void), ())
FORWARD(int, EVP_DigestFinal_ex, (EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s), (ctx, md, s))
FORWARD(int, EVP_DigestInit_ex2, (EVP_MD_CTX *ctx, const EVP_MD *type, const OSSL_PARAM params[]), (ctx, type, params))
FORWARD(int, EVP_DigestUpdate, (EVP_MD_CTX *ctx, const void *d, size_t cnt), (ctx, d, cnt))
FORWARD_VOID(EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx))
FORWARD(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
FORWARD(EVP_MD *, EVP_MD_fetch, (OSSL_LIB_CTX *ctx, const char *algorithm, const char *properties), (ctx, algorithm, properties))
FORWARD_VOID(EVP_PKEY_CTX_free, (EVP_PKEY_CTX *ctx), (ctx))
FORWARD(EVP_PKEY_CTX *, EVP_PKEY_CTX_new_id, (int id, ENGINE *e), (id, e))
FORWARD_VOID(EVP_PKEY_free, (EVP_PKEY *pkey), (pkey))
FORWARD(const char *, EVP_PKEY_get0_type_name, (const EVP_PKEY *key), (key))
FORWARD(int, EVP_PKEY_get_id, (const EVP_PKEY *pkey), (pkey))
FORWARD(int, EVP_PKEY_get_raw_public_key, (const EVP_PKEY *pkey, unsigned char *pub, size_t *len), (pkey, pub, len))
FORWARD(int, EVP_PKEY_keygen, (EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey), (ctx, ppkey))
FORWARD(int, EVP_PKEY_keygen_init, (EVP_PKEY_CTX *ctx), (ctx))
FORWARD(EVP_PKEY *, EVP_PKEY_new_raw_private_key, (int type, ENGINE *e, const unsigned char *priv, size_t len), (type, e, priv, len))
FORWARD(ASN1_OBJECT *, OBJ_nid2obj, (int n), (n))
FORWARD(const char *, OBJ_nid2sn, (int n), (n))
FORWARD(int, OPENSSL_init_ssl, (uint64_t opts, const OPENSSL_INIT_SETTINGS *settings), (opts, settings))
FORWARD(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u), (out, x, cb, u))
FORWARD(int, PEM_write_bio_PrivateKey, (BIO *out, const EVP_PKEY *x, const EVP_CIPHER *enc, const unsigned char *kstr, int klen, pem_password_cb *cb, void *u), (out, x, enc, kstr, klen, cb, u))
FORWARD(int, RAND_bytes, (unsigned char *buf, int num), (buf, num))
FORWARD(const SSL_CIPHER *, SSL_CIPHER_find, (SSL *ssl, const unsigned char *ptr), (ssl, ptr))
FORWARD(const EVP_MD *, SSL_CIPHER_get_handshake_digest, (const SSL_CIPHER *c), (c))
FORWARD(const char *, SSL_CIPHER_get_name, (const SSL_CIPHER *c), (c))
FORWARD(int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx))
FORWARD(long, SSL_CTX_ctrl, (SSL_CTX *ctx, int cmd, long larg, void *parg), (ctx, cmd, larg, parg))
FORWARD_VOID(SSL_CTX_free, (SSL_CTX *a0), (a0))
FORWARD(void *, SSL_CTX_get_ex_data, (const SSL_CTX *ssl, int idx), (ssl, idx))
FORWARD(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *meth), (meth))
FORWARD_VOID(SSL_CTX_set_cert_cb, (SSL_CTX *c, int (*cb)(SSL *ssl, void *arg), void *arg), (c, cb, arg))
FORWARD_VOID(SSL_CTX_set_cert_verify_callback, (SSL_CTX *ctx, int (*cb)(X509_STORE_CTX *, void *), void *arg), (ctx, cb, arg))
FORWARD(int, SSL_CTX_set_ciphersuites, (SSL_CTX *ctx, const char *str), (ctx, str))
FORWARD(int, SSL_CTX_set_ex_data, (SSL_CTX *ssl, int idx, void *data), (ssl, idx, data))
FORWARD(int, SSL_CTX_set_num_tickets, (SSL_CTX *ctx, size_t num_tickets), (ctx, num_tickets))
FORWARD(uint64_t, SSL_CTX_set_options, (SSL_CTX *ctx, uint64_t op), (ctx, op))
FORWARD_VOID(SSL_CTX_set_psk_find_session_callback, (SSL_CTX *ctx, SSL_psk_find_session_cb_func cb), (ctx, cb))
FORWARD_VOID(SSL_CTX_set_psk_use_session_callback, (SSL_CTX *ctx, SSL_psk_use_session_cb_func cb), (ctx, cb))
FORWARD(int, SSL_CTX_set_session_id_context, (SSL_CTX *ctx, const unsigned char *sid_ctx, unsigned int sid_ctx_len), (ctx, sid_ctx, sid_ctx_len))
FORWARD_VOID(SSL_CTX_set_verify, (SSL_CTX *ctx, int mode, SSL_verify_cb callback), (ctx, mode, callback))
FORWARD(int, SSL_CTX_use_PrivateKey, (SSL_CTX *ctx, EVP_PKEY *pkey), (ctx, pkey))
FORWARD(int, SSL_CTX_use_certificate, (SSL_CTX *ctx, X509 *x), (ctx, x))
FORWARD_VOID(SSL_SESSION_free, (SSL_SESSION *ses), (ses))
FORWARD(SSL_SESSION *, SSL_SESSION_new, (void), ())
FORWARD(int, SSL_SESSION_set1_id_context, (SSL_SESSION *s, const unsigned char *sid_ctx, unsigned int sid_ctx_len), (s, sid_ctx, sid_ctx_len))
FORWARD(int, SSL_SESSION_set1_master_key, (SSL_SESSION *sess, const unsigned char *in, size_t len), (sess, in, len))
FORWARD(int, SSL_SESSION_set_cipher, (SSL_SESSION *s, const SSL_CIPHER *cipher), (s, cipher))
FORWARD(int, SSL_SESSION_set_protocol_version, (SSL_SESSION *s, int version), (s, version))
FORWARD(long, SSL_ctrl, (SSL *ssl, int cmd, long larg, void *parg), (ssl, cmd, larg, parg))
FORWARD(int, SSL_do_handshake, (SSL *s), (s))
FORWARD_VOID(SSL_free, (SSL *ssl), (ssl))
FORWARD(X509 *, SSL_get0_peer_certificate, (const SSL *s), (s))
FORWARD(SSL_CTX *, SSL_get_SSL_CTX, (const SSL *ssl), (ssl))
FORWARD(const SSL_CIPHER *, SSL_get_current_cipher, (const SSL *s), (s))
FORWARD(int, SSL_get_error, (const SSL *s, int ret_code), (s, ret_code))
FORWARD(void *, SSL_get_ex_data, (const SSL *ssl, int idx), (ssl, idx))
FORWARD(int, SSL_get_ex_data_X509_STORE_CTX_idx, (void), ())
FORWARD(const char *, SSL_get_version, (const SSL *s), (s))
FORWARD(int, SSL_has_pending, (const SSL *s), (s))
FORWARD(int, SSL_is_init_finished, (const SSL *s), (s))
FORWARD(SSL *, SSL_new, (SSL_CTX *ctx), (ctx))
FORWARD(int, SSL_read, (SSL *ssl, void *buf, int num), (ssl, buf, num))
FORWARD(int, SSL_session_reused, (const SSL *s), (s))
FORWARD_VOID(SSL_set_accept_state, (SSL *s), (s))
FORWARD_VOID(SSL_set_bio, (SSL *s, BIO *rbio, BIO *wbio), (s, rbio, wbio))
FORWARD_VOID(SSL_set_connect_state, (SSL *s), (s))
FORWARD(int, SSL_set_ex_data, (SSL *ssl, int idx, void *data), (ssl, idx, data))
FORWARD(int, SSL_shutdown, (SSL *s), (s))
FORWARD(int, SSL_use_PrivateKey, (SSL *ssl, EVP_PKEY *pkey), (ssl, pkey))
FORWARD(int, SSL_use_certificate, (SSL *ssl, X509 *x), (ssl, x))
FORWARD(int, SSL_write, (SSL *ssl, const void *buf, int num), (ssl, buf, num))
FORWARD(const SSL_METHOD *, TLS_client_method, (void), ())
FORWARD(const SSL_METHOD *, TLS_server_method, (void), ())
FORWARD(int, X509_NAME_add_entry_by_txt, (X509_NAME *name, const char *field, int type, const unsigned char *bytes, int len, int loc, int set), (name, field, type, bytes, len, loc, set))
FORWARD(X509 *, X509_STORE_CTX_get0_cert, (const X509_STORE_CTX *ctx), (ctx))
FORWARD(void *, X509_STORE_CTX_get_ex_data, (const X509_STORE_CTX *ctx, int idx), (ctx, idx))
FORWARD_VOID(X509_STORE_CTX_set_error, (X509_STORE_CTX *ctx, int s), (ctx, s))
FORWARD(int, X509_PUBKEY_set0_param, (X509_PUBKEY *pub, ASN1_OBJECT *aobj, int ptype, void *pval, unsigned char *penc, int penclen), (pub, aobj, ptype, pval, penc, penclen))
FORWARD_VOID(X509_free, (X509 *a), (a))
FORWARD(EVP_PKEY *, X509_get0_pubkey, (const X509 *x), (x))
FORWARD(X509_PUBKEY *, X509_get_X509_PUBKEY, (const X509 *x), (x))
FORWARD(ASN1_INTEGER *, X509_get_serialNumber, (X509 *x), (x))
FORWARD(X509_NAME *, X509_get_subject_name, (const X509 *a), (a))
FORWARD(ASN1_TIME *, X509_getm_notAfter, (const X509 *x), (x))
FORWARD(ASN1_TIME *, X509_getm_notBefore, (const X509 *x), (x))
FORWARD(ASN1_TIME *, X509_gmtime_adj, (ASN1_TIME *s, long adj), (s, adj))
FORWARD(X509 *, X509_new, (void), ())
FORWARD(int, X509_set_issuer_name, (X509 *x, const X509_NAME *name), (x, name))
FORWARD(int, X509_set_version, (X509 *x, long version), (x, version))
FORWARD(int, X509_sign, (X509 *x, EVP_PKEY *pkey, const EVP_MD *md), (x, pkey, md))
FORWARD(ASN1_TIME *, X509_time_adj_ex, (ASN1_TIME *s, int offset_day, long offset_sec, time_t *t), (s, offset_day, offset_sec, t))
FORWARD(X509 *, d2i_X509, (X509 **a, const unsigned char **in, long len), (a, in, len))
FORWARD(int, i2d_X509, (const X509 *a, unsigned char **out), (a, out))
