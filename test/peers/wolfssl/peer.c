/*
 * A TLS 1.3 peer on wolfSSL, for the interop suite (test/peers/wolfssl.test.ts). wolfSSL is the
 * stack most embedded devices run, written apart from OpenSSL, GnuTLS, NSS, Go, rustls, JSSE and
 * OTP, so it is an oracle of its own. The program writes one JSON object per line on stdout for
 * each event, so the test reads what wolfSSL negotiated and verified instead of parsing prose.
 *
 *   wolfssl-peer server -listen 127.0.0.1:0 -cert F -key F -ca F [-client-auth require|post]
 *                       [-suites S:..] [-groups G,..] [-alpn P,..] [-export LABEL:LEN]
 *                       [-no-cookie] [-key-update]
 *   wolfssl-peer client -connect H:P -ca F [-servername N] [-cert F -key F] [-suites S:..]
 *                       [-groups G,..] [-share G] [-alpn P,..] [-export LABEL:LEN]
 *                       [-connections N] [-line TEXT | -bytes N] [-key-update] [-pha]
 *
 * The server echoes what each client sends until the client's close_notify, then sends its own
 * and takes the next connection. The client sends -line (or -bytes of a fixed pattern, 16 KiB at
 * a time), reads it back, sends close_notify and reads to the peer's; with -connections N it
 * connects again with the session it kept. Every socket wait has a deadline (SO_RCVTIMEO).
 *
 * Both roles also read the plaintext hellos on the wire (ClientHello, ServerHello,
 * HelloRetryRequest) through wolfSSL's I/O callbacks and print their cookie and key shares: that
 * is how the test sees a HelloRetryRequest cookie go out and come back, which wolfSSL exposes
 * nowhere else.
 *
 * Events: listening (the address bound), hello, handshake (version, suite, group, resumed, ALPN,
 * SNI, the SHA-256 of the peer's leaf, the exporter), verify (the verify callback), echo (a line,
 * or byte counts), keyUpdate, certificateRequest, closed (close_notify both ways) and error (what
 * wolfSSL reports, with the alerts it last received and sent).
 *
 * Built against Debian 12's libwolfssl-dev 5.5.4 (gcc peer.c -lwolfssl).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DEADLINE_SECONDS 20
#define MAX_SERVER_CONNECTIONS 64
#define CHUNK 16384

/* ---------- JSON output ---------- */

/* One event line is built here, then written with one call so lines never interleave. */
static char line_buf[65536];
static size_t line_len;

static void out(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line_buf + line_len, sizeof line_buf - line_len, fmt, ap);
    va_end(ap);
    if (n > 0) line_len += (size_t)n < sizeof line_buf - line_len ? (size_t)n : sizeof line_buf - line_len - 1;
}

static void out_string(const char *s, size_t n) {
    out("\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') out("\\%c", c);
        else if (c == '\n') out("\\n");
        else if (c < 0x20 || c >= 0x7f) out("\\u%04x", c);
        else out("%c", c);
    }
    out("\"");
}

static void out_hex(const unsigned char *bytes, size_t n) {
    out("\"");
    for (size_t i = 0; i < n; i++) out("%02x", bytes[i]);
    out("\"");
}

static void begin(const char *event) {
    line_len = 0;
    out("{\"event\":\"%s\"", event);
}

static void end(void) {
    out("}\n");
    fwrite(line_buf, 1, line_len, stdout);
    fflush(stdout);
}

static void die(const char *message) {
    fprintf(stderr, "wolfssl-peer: %s\n", message);
    exit(2);
}

/* ---------- options ---------- */

struct options {
    int server;
    const char *listen, *connect, *servername, *cert, *key, *ca, *suites, *groups, *share, *alpn,
        *export_spec, *client_auth, *line;
    long bytes;
    int connections, key_update, pha, no_cookie;
};

static struct options opt = {.client_auth = "require", .line = "ping", .connections = 1};

static void parse_args(int argc, char **argv) {
    if (argc < 2) die("usage: wolfssl-peer server|client [options]");
    if (strcmp(argv[1], "server") == 0) opt.server = 1;
    else if (strcmp(argv[1], "client") != 0) die("the first argument is server or client");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        /* Flags without a value. */
        if (strcmp(a, "-key-update") == 0) { opt.key_update = 1; continue; }
        if (strcmp(a, "-pha") == 0) { opt.pha = 1; continue; }
        if (strcmp(a, "-no-cookie") == 0) { opt.no_cookie = 1; continue; }
        if (i + 1 >= argc) die("an option lacks its value");
        const char *v = argv[++i];
        if (strcmp(a, "-listen") == 0) opt.listen = v;
        else if (strcmp(a, "-connect") == 0) opt.connect = v;
        else if (strcmp(a, "-servername") == 0) opt.servername = v;
        else if (strcmp(a, "-cert") == 0) opt.cert = v;
        else if (strcmp(a, "-key") == 0) opt.key = v;
        else if (strcmp(a, "-ca") == 0) opt.ca = v;
        else if (strcmp(a, "-suites") == 0) opt.suites = v;
        else if (strcmp(a, "-groups") == 0) opt.groups = v;
        else if (strcmp(a, "-share") == 0) opt.share = v;
        else if (strcmp(a, "-alpn") == 0) opt.alpn = v;
        else if (strcmp(a, "-export") == 0) opt.export_spec = v;
        else if (strcmp(a, "-client-auth") == 0) opt.client_auth = v;
        else if (strcmp(a, "-line") == 0) opt.line = v;
        else if (strcmp(a, "-bytes") == 0) opt.bytes = atol(v);
        else if (strcmp(a, "-connections") == 0) opt.connections = atoi(v);
        else {
            fprintf(stderr, "wolfssl-peer: unknown option %s\n", a);
            exit(2);
        }
    }
    if (opt.connections < 1 || opt.connections > 16) die("-connections is 1 to 16");
}

/* RFC 8446 names of the groups we test, to wolfSSL's (IANA) codes. */
static int group_code(const char *name) {
    if (strcasecmp(name, "x25519") == 0) return WOLFSSL_ECC_X25519;
    if (strcmp(name, "secp256r1") == 0 || strcmp(name, "P-256") == 0) return WOLFSSL_ECC_SECP256R1;
    if (strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0) return WOLFSSL_ECC_SECP384R1;
    fprintf(stderr, "wolfssl-peer: unknown group %s\n", name);
    exit(2);
}

static const char *alert_name(int code) {
    switch (code) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "other";
    }
}

/* ---------- reading the plaintext hellos on the wire ---------- */

/*
 * One direction of the connection, as records. Until the first application_data record (from
 * then on everything is encrypted) the handshake records are reassembled into messages, and each
 * ClientHello, ServerHello and HelloRetryRequest is printed as a "hello" event.
 */
struct sniffer {
    const char *direction; /* "sent" or "received" */
    int done;
    unsigned char rec[5 + 16384 + 256];
    size_t rec_len;
    unsigned char hs[65536];
    size_t hs_len;
};

struct connection_io {
    int fd;
    struct sniffer sent, received;
};

/* SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
static const unsigned char HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Prints one hello; `body` is the handshake message body, `n` its length. */
static void print_hello(const char *direction, int type, const unsigned char *body, size_t n) {
    size_t at = 2 + 32; /* legacy_version, random */
    if (n < at + 1) return;
    int retry = type == 2 && memcmp(body + 2, HRR_RANDOM, 32) == 0;
    at += 1 + body[at]; /* legacy_session_id */
    if (type == 1) {
        if (at + 2 > n) return;
        at += 2 + get16(body + at); /* cipher_suites */
        if (at + 1 > n) return;
        at += 1 + body[at]; /* legacy_compression_methods */
    } else {
        at += 2 + 1; /* cipher_suite, legacy_compression_method */
    }
    begin("hello");
    out(",\"direction\":\"%s\",\"message\":\"%s\"", direction,
        type == 1 ? "ClientHello" : retry ? "HelloRetryRequest" : "ServerHello");
    const unsigned char *cookie = NULL;
    size_t cookie_len = 0;
    int group = -1;
    out(",\"keyShares\":[");
    if (at + 2 <= n) {
        size_t ext_end = at + 2 + get16(body + at);
        if (ext_end > n) ext_end = n;
        int first = 1;
        for (at += 2; at + 4 <= ext_end;) {
            unsigned ext = get16(body + at), len = get16(body + at + 2);
            const unsigned char *data = body + at + 4;
            at += 4 + len;
            if (at > ext_end) break;
            if (ext == 44 && len >= 2) { /* cookie: opaque cookie<1..2^16-1> */
                cookie = data + 2;
                cookie_len = get16(data);
            } else if (ext == 51 && type == 1 && len >= 2) { /* KeyShareClientHello */
                for (size_t k = 2; k + 4 <= len; k += 4 + get16(data + k + 2)) {
                    out("%s%u", first ? "" : ",", get16(data + k));
                    first = 0;
                }
            } else if (ext == 51 && len >= 2) { /* selected_group, or the server's share */
                group = (int)get16(data);
            }
        }
    }
    out("]");
    if (group >= 0) out(",\"group\":%d", group);
    out(",\"cookie\":");
    if (cookie) out_hex(cookie, cookie_len);
    else out("null");
    end();
}

static void sniff(struct sniffer *s, const unsigned char *bytes, size_t n) {
    for (size_t i = 0; i < n && !s->done; i++) {
        s->rec[s->rec_len++] = bytes[i];
        if (s->rec_len < 5) continue;
        size_t length = get16(s->rec + 3);
        if (length > sizeof s->rec - 5) { s->done = 1; break; }
        if (s->rec_len < 5 + length) continue;
        /* A whole record. */
        int type = s->rec[0];
        if (type == 23) s->done = 1; /* application_data: encrypted from here on */
        if (type == 22 && s->hs_len + length <= sizeof s->hs) {
            memcpy(s->hs + s->hs_len, s->rec + 5, length);
            s->hs_len += length;
            while (s->hs_len >= 4) {
                size_t body = (size_t)s->hs[1] << 16 | (size_t)s->hs[2] << 8 | s->hs[3];
                if (s->hs_len < 4 + body) break;
                if (s->hs[0] == 1 || s->hs[0] == 2) print_hello(s->direction, s->hs[0], s->hs + 4, body);
                memmove(s->hs, s->hs + 4 + body, s->hs_len - 4 - body);
                s->hs_len -= 4 + body;
            }
        }
        s->rec_len = 0;
    }
}

/* wolfSSL's I/O callbacks: the socket, read and written as wolfSSL's own would, plus the sniffer. */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
    (void)ssl;
    struct connection_io *io = ctx;
    ssize_t n = recv(io->fd, buf, (size_t)sz, 0);
    if (n > 0) {
        sniff(&io->received, (unsigned char *)buf, (size_t)n);
        return (int)n;
    }
    if (n == 0) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    if (errno == EINTR) return WOLFSSL_CBIO_ERR_ISR;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_TIMEOUT;
    if (errno == ECONNRESET) return WOLFSSL_CBIO_ERR_CONN_RST;
    return WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
    (void)ssl;
    struct connection_io *io = ctx;
    ssize_t n = send(io->fd, buf, (size_t)sz, MSG_NOSIGNAL);
    if (n > 0) {
        sniff(&io->sent, (unsigned char *)buf, (size_t)n);
        return (int)n;
    }
    if (errno == EINTR) return WOLFSSL_CBIO_ERR_ISR;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_TIMEOUT;
    if (errno == EPIPE || errno == ECONNRESET) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    return WOLFSSL_CBIO_ERR_GENERAL;
}

/* ---------- events ---------- */

/* The error wolfSSL reports for `ret`, with the alerts it last received and sent. */
static void print_error(WOLFSSL *ssl, const char *stage, int ret) {
    int err = wolfSSL_get_error(ssl, ret);
    char text[WOLFSSL_MAX_ERROR_SZ];
    wolfSSL_ERR_error_string((unsigned long)err, text);
    begin("error");
    out(",\"stage\":\"%s\",\"code\":%d,\"error\":", stage, err);
    out_string(text, strlen(text));
    WOLFSSL_ALERT_HISTORY history;
    if (wolfSSL_get_alert_history(ssl, &history) == WOLFSSL_SUCCESS) {
        if (history.last_rx.code >= 0) out(",\"alertReceived\":\"%s\"", alert_name(history.last_rx.code));
        if (history.last_tx.code >= 0) out(",\"alertSent\":\"%s\"", alert_name(history.last_tx.code));
    }
    end();
}

/*
 * ,"peerLeafSha256":"..." for the leaf certificate wolfSSL verified (the handshake fails unless it
 * chains to -ca), or nothing when there is none. The DER comes from the certificate chain the
 * session keeps (SESSION_CERTS), not from wolfSSL_get_peer_certificate, which gives NULL for our
 * Ed25519 certificates in wolfSSL 5.5.4 although it verified them.
 */
static void out_peer_leaf(WOLFSSL *ssl) {
    WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(ssl);
    if (chain == NULL || wolfSSL_get_chain_count(chain) < 1) return;
    const unsigned char *der = wolfSSL_get_chain_cert(chain, 0);
    int der_len = wolfSSL_get_chain_length(chain, 0);
    unsigned char digest[WC_SHA256_DIGEST_SIZE];
    if (der == NULL || der_len <= 0 || wc_Sha256Hash(der, (word32)der_len, digest) != 0) return;
    out(",\"peerLeafSha256\":");
    out_hex(digest, sizeof digest);
}

static void print_handshake(WOLFSSL *ssl) {
    begin("handshake");
    const char *version = wolfSSL_get_version(ssl);
    int code = wolfSSL_get_current_cipher_suite(ssl); /* the two bytes of the suite */
    const char *suite = wolfSSL_get_cipher_name_iana_from_suite((unsigned char)(code >> 8), (unsigned char)code);
    const char *curve = wolfSSL_get_curve_name(ssl);
    out(",\"version\":\"%s\",\"suite\":\"%s\"", version ? version : "", suite ? suite : "");
    if (curve) out(",\"group\":\"%s\"", curve);
    out(",\"resumed\":%s", wolfSSL_session_reused(ssl) ? "true" : "false");
    char *protocol = NULL;
    unsigned short protocol_len = 0;
    if (opt.alpn && wolfSSL_ALPN_GetProtocol(ssl, &protocol, &protocol_len) == WOLFSSL_SUCCESS) {
        out(",\"alpn\":");
        out_string(protocol, protocol_len);
    }
    if (opt.server) {
        void *name = NULL;
        unsigned short name_len = wolfSSL_SNI_GetRequest(ssl, WOLFSSL_SNI_HOST_NAME, &name);
        out(",\"serverName\":");
        out_string(name ? (const char *)name : "", name ? name_len : 0);
    }
    out_peer_leaf(ssl);
    if (opt.export_spec) {
        /* LABEL:LEN, with no context: RFC 8446 §7.5 hashes an absent context as an empty one. */
        const char *colon = strrchr(opt.export_spec, ':');
        size_t len = colon ? (size_t)atoi(colon + 1) : 0;
        unsigned char material[256];
        if (colon && len > 0 && len <= sizeof material &&
            wolfSSL_export_keying_material(ssl, material, len, opt.export_spec, (size_t)(colon - opt.export_spec), NULL, 0, 0) ==
                WOLFSSL_SUCCESS) {
            out(",\"export\":");
            out_hex(material, len);
        } else {
            out(",\"export\":null");
        }
    }
    end();
}

/* ---------- set-up ---------- */

static void set_deadline(int fd) {
    struct timeval tv = {.tv_sec = DEADLINE_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void split_address(const char *address, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(address, ':');
    if (!colon || (size_t)(colon - address) >= sizeof host) die("an address is HOST:PORT");
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) die("the host is an IPv4 address");
}

/*
 * wolfSSL calls this for the peer's leaf once it has checked the chain ("ok"), and for each
 * certificate it refuses. After post-handshake authentication it is the one place the client's
 * certificate shows: wolfSSL 5.5.4 then updates neither the session's chain nor its peer
 * certificate. The X.509 object is NULL for an Ed25519 certificate (see out_peer_leaf), so the
 * event then has no "sha256".
 */
static int on_verify(int preverify, WOLFSSL_X509_STORE_CTX *store) {
    begin("verify");
    out(",\"depth\":%d,\"ok\":%s", wolfSSL_X509_STORE_CTX_get_error_depth(store), preverify ? "true" : "false");
    WOLFSSL_X509 *x509 = wolfSSL_X509_STORE_CTX_get_current_cert(store);
    int der_len = 0;
    const unsigned char *der = x509 ? wolfSSL_X509_get_der(x509, &der_len) : NULL;
    unsigned char digest[WC_SHA256_DIGEST_SIZE];
    if (der != NULL && der_len > 0 && wc_Sha256Hash(der, (word32)der_len, digest) == 0) {
        out(",\"sha256\":");
        out_hex(digest, sizeof digest);
    }
    end();
    return preverify;
}

static WOLFSSL_CTX *make_context(void) {
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(opt.server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method());
    if (!ctx) die("wolfSSL_CTX_new failed");
    if (opt.cert && wolfSSL_CTX_use_certificate_chain_file(ctx, opt.cert) != WOLFSSL_SUCCESS) die("cannot load -cert");
    if (opt.key && wolfSSL_CTX_use_PrivateKey_file(ctx, opt.key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) die("cannot load -key");
    if (!opt.ca || wolfSSL_CTX_load_verify_locations(ctx, opt.ca, NULL) != WOLFSSL_SUCCESS) die("cannot load -ca");
    /* The peer's certificate is required and must chain to -ca. With -client-auth post the server
     * asks for none during the handshake, and asks after it (RFC 8446 §4.6.2). */
    int post = opt.server && strcmp(opt.client_auth, "post") == 0;
    wolfSSL_CTX_set_verify(ctx, post ? WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_POST_HANDSHAKE
                                     : WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, on_verify);
    if (opt.suites && wolfSSL_CTX_set_cipher_list(ctx, opt.suites) != WOLFSSL_SUCCESS) die("wolfSSL_CTX_set_cipher_list refused -suites");
    if (opt.groups) {
        int groups[8], count = 0;
        char list[256];
        snprintf(list, sizeof list, "%s", opt.groups);
        for (char *save = NULL, *g = strtok_r(list, ",", &save); g && count < 8; g = strtok_r(NULL, ",", &save))
            groups[count++] = group_code(g);
        if (wolfSSL_CTX_set_groups(ctx, groups, count) != WOLFSSL_SUCCESS) die("wolfSSL_CTX_set_groups refused -groups");
    }
    return ctx;
}

/* Per-connection settings: I/O through the sniffer, ALPN, SNI, key shares, cookies, PHA. */
static WOLFSSL *make_connection(WOLFSSL_CTX *ctx, struct connection_io *io) {
    WOLFSSL *ssl = wolfSSL_new(ctx);
    if (!ssl) die("wolfSSL_new failed");
    wolfSSL_set_fd(ssl, io->fd);
    wolfSSL_SSLSetIORecv(ssl, io_recv);
    wolfSSL_SSLSetIOSend(ssl, io_send);
    wolfSSL_SetIOReadCtx(ssl, io);
    wolfSSL_SetIOWriteCtx(ssl, io);
    if (opt.alpn) {
        char list[256];
        snprintf(list, sizeof list, "%s", opt.alpn);
        if (wolfSSL_UseALPN(ssl, list, (unsigned)strlen(list), WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
            die("wolfSSL_UseALPN failed");
    }
    if (opt.server) {
        /* wolfSSL keeps a client's SNI only when it has a name of its own; answering on a mismatch
         * lets any name through, so the event reports what the client sent. */
        if (wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, "localhost", 9) != WOLFSSL_SUCCESS) die("wolfSSL_UseSNI failed");
        wolfSSL_SNI_SetOptions(ssl, WOLFSSL_SNI_HOST_NAME, WOLFSSL_SNI_ANSWER_ON_MISMATCH);
        /* A HelloRetryRequest carries a cookie (RFC 8446 §4.2.2), keyed by a random secret. */
        if (opt.no_cookie) wolfSSL_disable_hrr_cookie(ssl);
        else if (wolfSSL_send_hrr_cookie(ssl, NULL, 0) != WOLFSSL_SUCCESS) die("wolfSSL_send_hrr_cookie failed");
    } else {
        if (opt.servername) {
            if (wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, opt.servername, (unsigned short)strlen(opt.servername)) != WOLFSSL_SUCCESS)
                die("wolfSSL_UseSNI failed");
            if (wolfSSL_check_domain_name(ssl, opt.servername) != WOLFSSL_SUCCESS) die("wolfSSL_check_domain_name failed");
        }
        /* The one key share to send, whatever -groups prefers: a share for a group the server
         * does not take makes it ask again (HelloRetryRequest). */
        if (opt.share && (wolfSSL_NoKeyShares(ssl) != WOLFSSL_SUCCESS || wolfSSL_UseKeyShare(ssl, (word16)group_code(opt.share)) != WOLFSSL_SUCCESS))
            die("wolfSSL_UseKeyShare failed");
        if (opt.pha && wolfSSL_allow_post_handshake_auth(ssl) != 0) die("wolfSSL_allow_post_handshake_auth failed");
    }
    return ssl;
}

/* ---------- the server ---------- */

/* Echoes one connection until the client's close_notify (or an error, printed). */
static void serve(WOLFSSL *ssl) {
    int ret = wolfSSL_accept(ssl);
    if (ret != WOLFSSL_SUCCESS) {
        print_error(ssl, "handshake", ret);
        return;
    }
    print_handshake(ssl);
    int post = strcmp(opt.client_auth, "post") == 0, asked = 0, updated = 0;
    long echoed = 0;
    static char buf[CHUNK];
    for (;;) {
        int n = wolfSSL_read(ssl, buf, sizeof buf);
        if (n <= 0) {
            if (wolfSSL_get_error(ssl, n) == WOLFSSL_ERROR_ZERO_RETURN) {
                wolfSSL_shutdown(ssl);
                begin("closed");
                out(",\"echoed\":%ld", echoed);
                if (updated) {
                    /* Whether the client's answer to our update_requested is still due. */
                    int due = -1;
                    wolfSSL_key_update_response(ssl, &due);
                    out(",\"keyUpdateResponseDue\":%d", due);
                }
                end();
            } else {
                print_error(ssl, "read", n);
            }
            return;
        }
        if (wolfSSL_write(ssl, buf, n) != n) {
            print_error(ssl, "write", n);
            return;
        }
        echoed += n;
        if (post && !asked) {
            asked = 1;
            ret = wolfSSL_request_certificate(ssl);
            begin("certificateRequest");
            out(",\"result\":%d", ret);
            end();
        }
        if (opt.key_update && !updated) {
            updated = 1;
            ret = wolfSSL_update_keys(ssl);
            begin("keyUpdate");
            out(",\"result\":%d", ret);
            end();
        }
    }
}

static int run_server(void) {
    if (!opt.listen) die("the server needs -listen");
    struct sockaddr_in sa;
    split_address(opt.listen, &sa);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(listener, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(listener, 8) != 0) die("cannot listen");
    socklen_t sa_len = sizeof sa;
    getsockname(listener, (struct sockaddr *)&sa, &sa_len);
    WOLFSSL_CTX *ctx = make_context();
    begin("listening");
    out(",\"address\":\"127.0.0.1:%u\",\"wolfssl\":\"%s\"", ntohs(sa.sin_port), LIBWOLFSSL_VERSION_STRING);
    end();
    for (int i = 0; i < MAX_SERVER_CONNECTIONS; i++) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        set_deadline(fd);
        static struct connection_io io;
        memset(&io, 0, sizeof io);
        io.fd = fd;
        io.sent.direction = "sent";
        io.received.direction = "received";
        WOLFSSL *ssl = make_connection(ctx, &io);
        serve(ssl);
        wolfSSL_free(ssl);
        close(fd);
    }
    wolfSSL_CTX_free(ctx);
    return 0;
}

/* ---------- the client ---------- */

/* Reads exactly `n` bytes into `buf`; returns wolfSSL_read's last result when it falls short. */
static int read_exactly(WOLFSSL *ssl, char *buf, int n) {
    for (int got = 0; got < n;) {
        int r = wolfSSL_read(ssl, buf + got, n - got);
        if (r <= 0) return r;
        got += r;
    }
    return n;
}

/* Sends `text` and reads it back; prints the echo, or the error. Returns 0 on success. */
static int echo_line(WOLFSSL *ssl, const char *text) {
    static char buf[CHUNK];
    int n = (int)strlen(text);
    if (n + 1 > CHUNK) die("-line is too long");
    memcpy(buf, text, (size_t)n);
    buf[n++] = '\n';
    int r = wolfSSL_write(ssl, buf, n);
    if (r != n) {
        print_error(ssl, "write", r);
        return -1;
    }
    r = read_exactly(ssl, buf, n);
    if (r != n) {
        print_error(ssl, "read", r);
        return -1;
    }
    begin("echo");
    out(",\"line\":");
    out_string(buf, (size_t)n - 1);
    end();
    return 0;
}

/* Sends -bytes of a fixed pattern, 16 KiB at a time, each read back before the next. */
static int echo_bytes(WOLFSSL *ssl) {
    static char sent[CHUNK], got[CHUNK];
    long total = 0, mismatch = -1;
    while (total < opt.bytes) {
        int n = opt.bytes - total < CHUNK ? (int)(opt.bytes - total) : CHUNK;
        for (int i = 0; i < n; i++) sent[i] = (char)('a' + (total + i) % 26);
        int r = wolfSSL_write(ssl, sent, n);
        if (r != n) {
            print_error(ssl, "write", r);
            return -1;
        }
        r = read_exactly(ssl, got, n);
        if (r != n) {
            print_error(ssl, "read", r);
            return -1;
        }
        for (int i = 0; i < n && mismatch < 0; i++)
            if (got[i] != sent[i]) mismatch = total + i;
        total += n;
    }
    begin("echo");
    out(",\"bytes\":%ld,\"firstMismatch\":%ld", total, mismatch);
    end();
    return 0;
}

/* One connection: handshake, the exchange, close_notify both ways. Returns 0 on success. */
static int client_connection(WOLFSSL *ssl) {
    int ret = wolfSSL_connect(ssl);
    if (ret != WOLFSSL_SUCCESS) {
        print_error(ssl, "handshake", ret);
        return -1;
    }
    print_handshake(ssl);
    if (opt.bytes > 0) {
        if (echo_bytes(ssl) != 0) return -1;
    } else if (echo_line(ssl, opt.line) != 0) {
        return -1;
    }
    if (opt.key_update) {
        /* Our KeyUpdate asks the server to update too (update_requested); wolfSSL says a
         * response is due until the server's own KeyUpdate has come in. */
        ret = wolfSSL_update_keys(ssl);
        int before = -1, after = -1;
        wolfSSL_key_update_response(ssl, &before);
        char text[256];
        snprintf(text, sizeof text, "%s-after-key-update", opt.line);
        if (echo_line(ssl, text) != 0) return -1;
        wolfSSL_key_update_response(ssl, &after);
        begin("keyUpdate");
        out(",\"result\":%d,\"responseDueBefore\":%d,\"responseDueAfter\":%d", ret, before, after);
        end();
    }
    wolfSSL_shutdown(ssl);
    static char buf[CHUNK];
    for (int i = 0; i < 1000; i++) {
        int n = wolfSSL_read(ssl, buf, sizeof buf);
        if (n > 0) continue;
        if (wolfSSL_get_error(ssl, n) == WOLFSSL_ERROR_ZERO_RETURN) {
            begin("closed");
            end();
            return 0;
        }
        print_error(ssl, "close", n);
        return -1;
    }
    return -1;
}

static int run_client(void) {
    if (!opt.connect) die("the client needs -connect");
    struct sockaddr_in sa;
    split_address(opt.connect, &sa);
    WOLFSSL_CTX *ctx = make_context();
    WOLFSSL_SESSION *session = NULL;
    int status = 0;
    for (int i = 0; i < opt.connections && status == 0; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        set_deadline(fd);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("cannot connect");
        struct connection_io io = {.fd = fd, .sent.direction = "sent", .received.direction = "received"};
        WOLFSSL *ssl = make_connection(ctx, &io);
        if (session && wolfSSL_set_session(ssl, session) != WOLFSSL_SUCCESS) die("wolfSSL_set_session failed");
        status = client_connection(ssl);
        /* The tickets came with the reads; keep the session for the next connection. */
        if (session) wolfSSL_SESSION_free(session);
        session = wolfSSL_get1_session(ssl);
        wolfSSL_free(ssl);
        close(fd);
    }
    if (session) wolfSSL_SESSION_free(session);
    wolfSSL_CTX_free(ctx);
    return status == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) die("wolfSSL_Init failed");
    int status = opt.server ? run_server() : run_client();
    wolfSSL_Cleanup();
    return status;
}
