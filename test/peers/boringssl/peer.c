/*
 * A TLS 1.3 peer on BoringSSL, for the interop suite (test/peers/boringssl.test.ts). BoringSSL is
 * Google's fork of OpenSSL (Chrome, Android, Cloudflare's edge, gRPC); its TLS 1.3 state machine
 * was rewritten apart from OpenSSL's, and it is strict about what it accepts, so it is an oracle
 * of its own. The program writes one JSON object per line on stdout for each event, so the test
 * reads what BoringSSL negotiated and verified instead of parsing prose.
 *
 *   boringssl-peer server -listen 127.0.0.1:0 -cert F -key F -ca F [-groups G,..] [-alpn P,..]
 *                         [-export LABEL:LEN] [-key-update] [-early-data] [-default-verify-prefs] [-grease]
 *   boringssl-peer client -connect H:P -ca F [-servername N] [-cert F -key F] [-groups G,..]
 *                         [-alpn P,..] [-alpn-after P,..] [-export LABEL:LEN] [-connections N]
 *                         [-line TEXT | -bytes N] [-key-update] [-early-data TEXT]
 *                         [-default-verify-prefs] [-grease] [-permute-extensions]
 *
 * There is no -suites: BoringSSL does not let an application choose its TLS 1.3 cipher suites
 * (SSL_CTX_set_cipher_list applies to TLS 1.2 and below only), so the suite is chosen by our side.
 * -groups takes the RFC 8446 names (x25519, secp256r1, secp384r1) and passes them to
 * SSL_CTX_set1_curves_list; a BoringSSL client sends a key share for the first group only.
 *
 * The server echoes what each client sends until the client's close_notify, then sends its own
 * and takes the next connection. The client sends -line (or -bytes of a fixed pattern, 16 KiB at
 * a time), reads it back, sends close_notify and reads to the peer's; with -connections N it
 * connects again with the last session a NewSessionTicket gave it. With -early-data TEXT, a
 * connection that resumes a 0-RTT-capable session sends TEXT as early data before the handshake
 * completes. Every socket wait has a deadline (SO_RCVTIMEO).
 *
 * Both roles see the handshake messages through BoringSSL's message callback, in plaintext even
 * when they travel encrypted: the hellos (key shares, HelloRetryRequest, cookie), KeyUpdate (and
 * whether it asks for an update back), NewSessionTicket (and its early data limit) and
 * EndOfEarlyData. Alerts sent and received come from the info callback.
 *
 * Events: listening, hello, keyUpdate, ticket, endOfEarlyData, alert, verify (the verify
 * callback), handshake (version, suite, group, resumed, ALPN, SNI, the peer's signature algorithm,
 * the SHA-256 of the peer's leaf, 0-RTT, the exporter), echo (a line, or byte counts), closed
 * (close_notify both ways) and error (what BoringSSL reports, with the alerts it last received
 * and sent).
 *
 * Built against Debian's android-libboringssl-dev (BoringSSL from Android 13):
 *   gcc peer.c -I/usr/include/android -L/usr/lib/x86_64-linux-gnu/android -lssl -lcrypto
 *       -Wl,-rpath,/usr/lib/x86_64-linux-gnu/android
 */
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* The include path must lead to BoringSSL's headers, not the system OpenSSL's. */
#if !defined(OPENSSL_IS_BORINGSSL)
#error "built against OpenSSL's headers: pass -I/usr/include/android"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DEADLINE_SECONDS 20
#define MAX_SERVER_CONNECTIONS 64
#define CHUNK 16384

/* ---------- JSON output ---------- */

/* One event line is built here, then written with one call so lines never interleave. No SSL
 * call made between begin() and end() runs a callback that prints. */
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
    fprintf(stderr, "boringssl-peer: %s\n", message);
    exit(2);
}

/* ---------- options ---------- */

struct options {
    int server;
    const char *listen, *connect, *servername, *cert, *key, *ca, *groups, *alpn, *alpn_after, *export_spec, *line, *early_text;
    long bytes;
    int connections, key_update, early_data, default_verify_prefs, grease, permute;
};

static struct options opt = {.line = "ping", .connections = 1};

static void parse_args(int argc, char **argv) {
    if (argc < 2) die("usage: boringssl-peer server|client [options]");
    if (strcmp(argv[1], "server") == 0) opt.server = 1;
    else if (strcmp(argv[1], "client") != 0) die("the first argument is server or client");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        /* Flags without a value. (-early-data takes TEXT on the client only.) */
        if (strcmp(a, "-key-update") == 0) { opt.key_update = 1; continue; }
        if (strcmp(a, "-default-verify-prefs") == 0) { opt.default_verify_prefs = 1; continue; }
        if (strcmp(a, "-grease") == 0) { opt.grease = 1; continue; }
        if (strcmp(a, "-permute-extensions") == 0) { opt.permute = 1; continue; }
        if (opt.server && strcmp(a, "-early-data") == 0) { opt.early_data = 1; continue; }
        if (i + 1 >= argc) die("an option lacks its value");
        const char *v = argv[++i];
        if (strcmp(a, "-listen") == 0) opt.listen = v;
        else if (strcmp(a, "-connect") == 0) opt.connect = v;
        else if (strcmp(a, "-servername") == 0) opt.servername = v;
        else if (strcmp(a, "-cert") == 0) opt.cert = v;
        else if (strcmp(a, "-key") == 0) opt.key = v;
        else if (strcmp(a, "-ca") == 0) opt.ca = v;
        else if (strcmp(a, "-groups") == 0) opt.groups = v;
        else if (strcmp(a, "-alpn") == 0) opt.alpn = v;
        else if (strcmp(a, "-alpn-after") == 0) opt.alpn_after = v;
        else if (strcmp(a, "-export") == 0) opt.export_spec = v;
        else if (strcmp(a, "-line") == 0) opt.line = v;
        else if (strcmp(a, "-bytes") == 0) opt.bytes = atol(v);
        else if (strcmp(a, "-connections") == 0) opt.connections = atoi(v);
        else if (strcmp(a, "-early-data") == 0) { opt.early_data = 1; opt.early_text = v; }
        else {
            fprintf(stderr, "boringssl-peer: unknown option %s\n", a);
            exit(2);
        }
    }
    if (opt.connections < 1 || opt.connections > 16) die("-connections is 1 to 16");
}

/* RFC 8446 names of the groups we test, to the names SSL_CTX_set1_curves_list takes. */
static const char *curve_name(const char *name) {
    if (strcasecmp(name, "x25519") == 0) return "X25519";
    if (strcmp(name, "secp256r1") == 0 || strcmp(name, "P-256") == 0) return "P-256";
    if (strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0) return "P-384";
    /* The post-quantum hybrid (X25519 with HRSS) Chrome tried in 2019-2022; code point 16696. */
    if (strcasecmp(name, "cecpq2") == 0) return "CECPQ2";
    fprintf(stderr, "boringssl-peer: unknown group %s\n", name);
    exit(2);
}

/* A list like h2,http/1.1 in the wire format (RFC 7301 §3.1: 8-bit length-prefixed names). */
static unsigned alpn_wire(const char *names, unsigned char *wire, size_t size) {
    unsigned len = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", names);
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(p);
        if (n == 0 || n > 255 || len + 1 + n > size) die("bad -alpn");
        wire[len++] = (unsigned char)n;
        memcpy(wire + len, p, n);
        len += (unsigned)n;
    }
    return len;
}

/* ---------- per-connection state the callbacks fill in ---------- */

/* The last alert other than close_notify each way, from the info callback (0 for none). */
static int last_alert_sent, last_alert_received;
/* The bytes written to the socket when our close_notify went out (-1 before): nothing may follow
 * it (RFC 8446 §6.1), and the "closed" event says how many bytes did. */
static long close_notify_mark = -1;
/* The session the client keeps for its next connection, from the new-session callback. */
static SSL_SESSION *kept_session;

/* ---------- the handshake messages, through the message callback ---------- */

/* SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
static const unsigned char HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long get32(const unsigned char *p) { return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3]; }

/* Prints one ClientHello, ServerHello or HelloRetryRequest: its key shares (the groups of a
 * ClientHello's shares; the group a ServerHello or HelloRetryRequest names) and its cookie. */
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
    int group = -1, early_data = 0, psk = 0;
    unsigned extensions[64];
    size_t extension_count = 0;
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
            if (extension_count < sizeof extensions / sizeof extensions[0]) extensions[extension_count++] = ext;
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
            } else if (ext == 42) { /* early_data */
                early_data = 1;
            } else if (ext == 41) { /* pre_shared_key */
                psk = 1;
            }
        }
    }
    out("]");
    if (group >= 0) out(",\"group\":%d", group);
    out(",\"cookie\":");
    if (cookie) out_hex(cookie, cookie_len);
    else out("null");
    out(",\"earlyData\":%s,\"psk\":%s,\"extensions\":[", early_data ? "true" : "false", psk ? "true" : "false");
    for (size_t i = 0; i < extension_count; i++) out("%s%u", i ? "," : "", extensions[i]);
    out("]");
    end();
}

/* A NewSessionTicket (RFC 8446 §4.6.1): its lifetime, the early data it allows (-1 for no
 * early_data extension), and its extensions' types in order. */
static void print_ticket(const char *direction, const unsigned char *body, size_t n) {
    if (n < 4 + 4 + 1) return;
    size_t at = 8;              /* ticket_lifetime, ticket_age_add */
    at += 1 + body[at];         /* ticket_nonce */
    if (at + 2 > n) return;
    at += 2 + get16(body + at); /* ticket */
    long max_early = -1;
    unsigned extensions[16];
    size_t extension_count = 0;
    if (at + 2 <= n) {
        size_t ext_end = at + 2 + get16(body + at);
        if (ext_end > n) ext_end = n;
        for (at += 2; at + 4 <= ext_end;) {
            unsigned ext = get16(body + at), len = get16(body + at + 2);
            if (ext == 42 && len == 4 && at + 8 <= ext_end) max_early = (long)get32(body + at + 4);
            if (extension_count < sizeof extensions / sizeof extensions[0]) extensions[extension_count++] = ext;
            at += 4 + len;
        }
    }
    begin("ticket");
    out(",\"direction\":\"%s\",\"lifetime\":%lu,\"maxEarlyData\":%ld,\"extensions\":[", direction, get32(body), max_early);
    for (size_t i = 0; i < extension_count; i++) out("%s%u", i ? "," : "", extensions[i]);
    out("]");
    end();
}

/* BoringSSL calls this with each whole handshake message it sends or receives. */
static void on_message(int is_write, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
    (void)version, (void)ssl, (void)arg;
    if (content_type != SSL3_RT_HANDSHAKE || len < 4) return;
    const unsigned char *msg = buf, *body = msg + 4;
    size_t n = len - 4;
    const char *direction = is_write ? "sent" : "received";
    switch (msg[0]) {
    case 1: /* ClientHello */
    case 2: /* ServerHello, or HelloRetryRequest */
        print_hello(direction, msg[0], body, n);
        break;
    case 4: /* NewSessionTicket */
        print_ticket(direction, body, n);
        break;
    case 5: /* EndOfEarlyData */
        begin("endOfEarlyData");
        out(",\"direction\":\"%s\"", direction);
        end();
        break;
    case 24: /* KeyUpdate: KeyUpdateRequest request_update (§4.6.3) */
        begin("keyUpdate");
        out(",\"direction\":\"%s\",\"requested\":%s", direction, n >= 1 && body[0] == 1 ? "true" : "false");
        end();
        break;
    default:
        break;
    }
}

/* Alerts, from the info callback; `value` is the alert's level << 8 | description. */
static void on_info(const SSL *ssl, int type, int value) {
    if (!(type & SSL_CB_ALERT)) return;
    int sent = (type & SSL_CB_WRITE) != 0, description = value & 0xff;
    /* Called once the alert is written and flushed. */
    if (sent && description == 0) close_notify_mark = (long)BIO_number_written(SSL_get_wbio(ssl));
    if (description != 0) {
        if (sent) last_alert_sent = description;
        else last_alert_received = description;
    }
    begin("alert");
    out(",\"direction\":\"%s\",\"level\":\"%s\",\"code\":%d,\"description\":\"%s\"", sent ? "sent" : "received",
        (value >> 8) == 2 ? "fatal" : "warning", description, SSL_alert_desc_string_long(value));
    end();
}

/* ---------- events ---------- */

/* ,"bytesAfterCloseNotify":N: what went to the socket after our close_notify. */
static void out_after_close_notify(SSL *ssl) {
    if (close_notify_mark >= 0) out(",\"bytesAfterCloseNotify\":%ld", (long)BIO_number_written(SSL_get_wbio(ssl)) - close_notify_mark);
}

/* The error BoringSSL reports for `ret`, with the alerts it last received and sent. */
static void print_error(SSL *ssl, const char *stage, int ret) {
    int err = SSL_get_error(ssl, ret);
    uint32_t packed = ERR_peek_error();
    char text[256];
    ERR_error_string_n(packed, text, sizeof text);
    const char *reason = ERR_reason_error_string(packed);
    begin("error");
    out(",\"stage\":\"%s\",\"sslError\":%d,\"error\":", stage, err);
    out_string(text, strlen(text));
    out(",\"reason\":");
    out_string(reason ? reason : "", reason ? strlen(reason) : 0);
    if (last_alert_received) out(",\"alertReceived\":\"%s\"", SSL_alert_desc_string_long(last_alert_received));
    if (last_alert_sent) out(",\"alertSent\":\"%s\"", SSL_alert_desc_string_long(last_alert_sent));
    end();
    ERR_clear_error();
}

/* ,"peerLeafSha256":"..." for the leaf BoringSSL verified (the handshake fails unless it chains to
 * -ca; on a resumed connection it is the one kept in the session), or nothing when there is none. */
static void out_peer_leaf(SSL *ssl) {
    X509 *leaf = SSL_get_peer_certificate(ssl);
    if (leaf == NULL) return;
    unsigned char *der = NULL;
    int der_len = i2d_X509(leaf, &der);
    if (der_len > 0) {
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256(der, (size_t)der_len, digest);
        out(",\"peerLeafSha256\":");
        out_hex(digest, sizeof digest);
    }
    OPENSSL_free(der);
    X509_free(leaf);
}

static void print_handshake(SSL *ssl) {
    begin("handshake");
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    uint16_t group = SSL_get_curve_id(ssl);
    const char *group_name = SSL_get_curve_name(group);
    out(",\"version\":\"%s\",\"suite\":\"%s\"", SSL_get_version(ssl), cipher ? SSL_CIPHER_standard_name(cipher) : "");
    out(",\"group\":%u,\"groupName\":\"%s\"", group, group_name ? group_name : "");
    out(",\"resumed\":%s", SSL_session_reused(ssl) ? "true" : "false");
    const unsigned char *protocol = NULL;
    unsigned protocol_len = 0;
    SSL_get0_alpn_selected(ssl, &protocol, &protocol_len);
    if (protocol_len > 0) {
        out(",\"alpn\":");
        out_string((const char *)protocol, protocol_len);
    }
    if (opt.server) {
        const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        out(",\"serverName\":");
        out_string(name ? name : "", name ? strlen(name) : 0);
    }
    uint16_t sigalg = SSL_get_peer_signature_algorithm(ssl);
    if (sigalg != 0) {
        const char *sigalg_name = SSL_get_signature_algorithm_name(sigalg, 1);
        out(",\"peerSignatureAlgorithm\":\"%s\"", sigalg_name ? sigalg_name : "?");
    }
    out_peer_leaf(ssl);
    if (opt.early_data) {
        enum ssl_early_data_reason_t reason = SSL_get_early_data_reason(ssl);
        const char *reason_text = SSL_early_data_reason_string(reason);
        out(",\"earlyDataAccepted\":%s,\"earlyDataReason\":\"%s\"", SSL_early_data_accepted(ssl) ? "true" : "false",
            reason_text ? reason_text : "?");
    }
    if (opt.export_spec) {
        /* LABEL:LEN, with no context: RFC 8446 §7.5 hashes an absent context as an empty one. */
        const char *colon = strrchr(opt.export_spec, ':');
        size_t len = colon ? (size_t)atoi(colon + 1) : 0;
        unsigned char material[256];
        if (colon && len > 0 && len <= sizeof material &&
            SSL_export_keying_material(ssl, material, len, opt.export_spec, (size_t)(colon - opt.export_spec), NULL, 0, 0) == 1) {
            out(",\"export\":");
            out_hex(material, len);
        } else {
            out(",\"export\":null");
        }
    }
    end();
}

/* The verify callback: each certificate of the peer's chain, and whether it passed. */
static int on_verify(int preverify, X509_STORE_CTX *store) {
    begin("verify");
    int error = X509_STORE_CTX_get_error(store);
    out(",\"depth\":%d,\"ok\":%s", X509_STORE_CTX_get_error_depth(store), preverify ? "true" : "false");
    if (!preverify) out(",\"reason\":\"%s\"", X509_verify_cert_error_string(error));
    X509 *x509 = X509_STORE_CTX_get_current_cert(store);
    unsigned char *der = NULL;
    int der_len = x509 ? i2d_X509(x509, &der) : 0;
    if (der_len > 0) {
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256(der, (size_t)der_len, digest);
        out(",\"sha256\":");
        out_hex(digest, sizeof digest);
    }
    OPENSSL_free(der);
    end();
    return preverify;
}

/* The client keeps the newest session a NewSessionTicket gave it. In TLS 1.3 the tickets come
 * after the handshake, so SSL_get1_session at its end would give a session that cannot resume. */
static int on_new_session(SSL *ssl, SSL_SESSION *session) {
    (void)ssl;
    if (kept_session) SSL_SESSION_free(kept_session);
    kept_session = session;
    return 1; /* we took the reference */
}

/* The server's ALPN choice: its first protocol the client also offers (RFC 7301 §3.2), or the
 * fatal no_application_protocol alert. */
static unsigned char server_alpn[256];
static unsigned server_alpn_len;

static int on_alpn_select(SSL *ssl, const uint8_t **out_proto, uint8_t *out_len, const uint8_t *in, unsigned in_len, void *arg) {
    (void)ssl, (void)arg;
    for (unsigned s = 0; s < server_alpn_len; s += 1 + server_alpn[s]) {
        for (unsigned c = 0; c < in_len; c += 1 + in[c]) {
            if (in[c] == server_alpn[s] && c + 1 + in[c] <= in_len && memcmp(in + c + 1, server_alpn + s + 1, in[c]) == 0) {
                *out_proto = in + c + 1;
                *out_len = in[c];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
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
 * The signature algorithms we verify, and so offer in signature_algorithms: BoringSSL's default
 * list leaves Ed25519 out, so without this it neither offers nor accepts it. -default-verify-prefs
 * keeps BoringSSL's default, to show that.
 */
static const uint16_t VERIFY_PREFS[] = {
    SSL_SIGN_ECDSA_SECP256R1_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PKCS1_SHA256,
    SSL_SIGN_ECDSA_SECP384R1_SHA384, SSL_SIGN_RSA_PSS_RSAE_SHA384, SSL_SIGN_RSA_PKCS1_SHA384,
    SSL_SIGN_RSA_PSS_RSAE_SHA512,    SSL_SIGN_RSA_PKCS1_SHA512,    SSL_SIGN_ED25519,
};

static SSL_CTX *make_context(void) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx) die("SSL_CTX_new failed");
    /* TLS 1.3 only. */
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) || !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
        die("cannot set the protocol version");
    if (opt.cert && SSL_CTX_use_certificate_chain_file(ctx, opt.cert) != 1) die("cannot load -cert");
    if (opt.key && SSL_CTX_use_PrivateKey_file(ctx, opt.key, SSL_FILETYPE_PEM) != 1) die("cannot load -key");
    if (!opt.ca || SSL_CTX_load_verify_locations(ctx, opt.ca, NULL) != 1) die("cannot load -ca");
    /* The peer's certificate is required and must chain to -ca. (A client's verification errors
     * are not fatal unless SSL_VERIFY_PEER is set.) */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, on_verify);
    if (!opt.default_verify_prefs &&
        !SSL_CTX_set_verify_algorithm_prefs(ctx, VERIFY_PREFS, sizeof VERIFY_PREFS / sizeof VERIFY_PREFS[0]))
        die("SSL_CTX_set_verify_algorithm_prefs failed");
    if (opt.groups) {
        char list[256], curves[256] = "";
        snprintf(list, sizeof list, "%s", opt.groups);
        for (char *save = NULL, *g = strtok_r(list, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
            if (curves[0]) strncat(curves, ":", sizeof curves - strlen(curves) - 1);
            strncat(curves, curve_name(g), sizeof curves - strlen(curves) - 1);
        }
        if (SSL_CTX_set1_curves_list(ctx, curves) != 1) die("SSL_CTX_set1_curves_list refused -groups");
    }
    SSL_CTX_set_msg_callback(ctx, on_message);
    SSL_CTX_set_info_callback(ctx, on_info);
    if (opt.early_data) SSL_CTX_set_early_data_enabled(ctx, 1);
    /* What Chrome turns on: reserved values in lists and extensions (RFC 8701), and a ClientHello
     * whose extensions come in a random order. */
    if (opt.grease) SSL_CTX_set_grease_enabled(ctx, 1);
    if (opt.permute) SSL_CTX_set_permute_extensions(ctx, 1);
    if (opt.server) {
        /* Sessions (stateless tickets) belong to this program. */
        static const unsigned char sid_ctx[] = "mutls-boringssl-peer";
        SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
        if (opt.alpn) {
            server_alpn_len = alpn_wire(opt.alpn, server_alpn, sizeof server_alpn);
            SSL_CTX_set_alpn_select_cb(ctx, on_alpn_select, NULL);
        }
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
        SSL_CTX_sess_set_new_cb(ctx, on_new_session);
        if (opt.alpn) {
            unsigned char wire[256];
            unsigned len = alpn_wire(opt.alpn, wire, sizeof wire);
            /* Returns 0 on success, unlike the rest of the API. */
            if (SSL_CTX_set_alpn_protos(ctx, wire, len) != 0) die("SSL_CTX_set_alpn_protos failed");
        }
    }
    return ctx;
}

static SSL *make_connection(SSL_CTX *ctx, int fd) {
    SSL *ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) die("SSL_new failed");
    last_alert_sent = last_alert_received = 0;
    close_notify_mark = -1;
    /* SSL_do_handshake needs the role; SSL_connect and SSL_accept would set it themselves. */
    if (opt.server) SSL_set_accept_state(ssl);
    else SSL_set_connect_state(ssl);
    if (!opt.server && opt.servername) {
        /* SNI, and the name the server's certificate must carry. */
        if (SSL_set_tlsext_host_name(ssl, opt.servername) != 1 || SSL_set1_host(ssl, opt.servername) != 1)
            die("cannot set -servername");
    }
    /* With -grease a client also sends an encrypted_client_hello extension of random bytes, as
     * Chrome does where no ECH configuration is known. */
    if (!opt.server && opt.grease) SSL_set_enable_ech_grease(ssl, 1);
    return ssl;
}

/* ---------- the server ---------- */

/* Echoes one connection until the client's close_notify (or an error, printed). */
static void serve(SSL *ssl) {
    int ret = SSL_do_handshake(ssl);
    if (ret != 1) {
        print_error(ssl, "handshake", ret);
        return;
    }
    /* With 0-RTT accepted, SSL_do_handshake returns before the client's Finished, and the first
     * reads give early data; the handshake event waits for the handshake's end. */
    int printed = 0, updated = 0;
    if (!SSL_in_init(ssl)) {
        print_handshake(ssl);
        printed = 1;
    }
    long echoed = 0, early = 0;
    static char buf[CHUNK];
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) {
            if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) {
                if (!printed) print_handshake(ssl);
                SSL_shutdown(ssl);
                begin("closed");
                out(",\"echoed\":%ld,\"earlyBytes\":%ld", echoed, early);
                out_after_close_notify(ssl);
                end();
            } else {
                print_error(ssl, "read", n);
            }
            return;
        }
        if (SSL_in_early_data(ssl)) early += n;
        else if (!printed) {
            print_handshake(ssl);
            printed = 1;
        }
        if (SSL_write(ssl, buf, n) != n) {
            print_error(ssl, "write", n);
            return;
        }
        echoed += n;
        if (opt.key_update && !updated && !SSL_in_init(ssl)) {
            /* Queued, then flushed by a write of nothing; it asks the client to update too. */
            updated = 1;
            ret = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED);
            if (ret != 1 || SSL_write(ssl, "", 0) < 0) {
                print_error(ssl, "key update", ret);
                return;
            }
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
    SSL_CTX *ctx = make_context();
    begin("listening");
    out(",\"address\":\"127.0.0.1:%u\",\"boringssl\":\"%s, API %d\"", ntohs(sa.sin_port), OPENSSL_VERSION_TEXT, BORINGSSL_API_VERSION);
    end();
    for (int i = 0; i < MAX_SERVER_CONNECTIONS; i++) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        set_deadline(fd);
        SSL *ssl = make_connection(ctx, fd);
        serve(ssl);
        SSL_free(ssl);
        close(fd);
    }
    SSL_CTX_free(ctx);
    return 0;
}

/* ---------- the client ---------- */

/* Reads exactly `n` bytes into `buf`; returns SSL_read's last result when it falls short. */
static int read_exactly(SSL *ssl, char *buf, int n) {
    for (int got = 0; got < n;) {
        int r = SSL_read(ssl, buf + got, n - got);
        if (r <= 0) return r;
        got += r;
    }
    return n;
}

/* Reads back the echo of a line of `n` bytes (newline included) and prints it. */
static int read_echo(SSL *ssl, int n) {
    static char buf[CHUNK];
    int r = read_exactly(ssl, buf, n);
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

/* Sends `text` and a newline; returns the length sent, or -1 after printing the error. */
static int send_line(SSL *ssl, const char *text) {
    static char buf[CHUNK];
    int n = (int)strlen(text);
    if (n + 1 > CHUNK) die("a line is too long");
    memcpy(buf, text, (size_t)n);
    buf[n++] = '\n';
    int r = SSL_write(ssl, buf, n);
    if (r != n) {
        print_error(ssl, "write", r);
        return -1;
    }
    return n;
}

/* Sends `text` and reads it back; prints the echo, or the error. Returns 0 on success. */
static int echo_line(SSL *ssl, const char *text) {
    int n = send_line(ssl, text);
    return n < 0 ? -1 : read_echo(ssl, n);
}

/* Sends -bytes of a fixed pattern, 16 KiB at a time, each read back before the next. */
static int echo_bytes(SSL *ssl) {
    static char sent[CHUNK], got[CHUNK];
    long total = 0, mismatch = -1;
    while (total < opt.bytes) {
        int n = opt.bytes - total < CHUNK ? (int)(opt.bytes - total) : CHUNK;
        for (int i = 0; i < n; i++) sent[i] = (char)('a' + (total + i) % 26);
        int r = SSL_write(ssl, sent, n);
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

/*
 * The handshake, with 0-RTT when the session allows it: BoringSSL returns from the handshake
 * once the ClientHello is out, the early line is written as early data, and the handshake is
 * then finished. If the server refuses the early data, the connection is reset to a plain
 * handshake and the line goes after it, as it does when the session allows no 0-RTT. Returns the
 * length of the early line sent (to be read back), 0 without one, or -1 after printing the error.
 */
static int client_handshake(SSL *ssl, int offered) {
    int ret = SSL_do_handshake(ssl);
    if (ret != 1) {
        print_error(ssl, "handshake", ret);
        return -1;
    }
    /* No 0-RTT (the ticket allows none): the early line, if any, goes after the handshake. */
    if (!SSL_in_early_data(ssl)) return opt.early_text && offered ? send_line(ssl, opt.early_text) : 0;
    int early = send_line(ssl, opt.early_text);
    if (early < 0) return -1;
    begin("earlyDataWritten");
    out(",\"bytes\":%d", early);
    end();
    ret = SSL_do_handshake(ssl);
    if (ret == 1) return early;
    if (SSL_get_error(ssl, ret) != SSL_ERROR_EARLY_DATA_REJECTED) {
        print_error(ssl, "handshake", ret);
        return -1;
    }
    SSL_reset_early_data_reject(ssl);
    ret = SSL_do_handshake(ssl);
    if (ret != 1) {
        print_error(ssl, "handshake", ret);
        return -1;
    }
    return send_line(ssl, opt.early_text);
}

/* One connection: handshake, the exchange, close_notify both ways. Returns 0 on success. */
static int client_connection(SSL *ssl, int offered) {
    int early = client_handshake(ssl, offered);
    if (early < 0) return -1;
    print_handshake(ssl);
    if (early > 0 && read_echo(ssl, early) != 0) return -1;
    if (opt.bytes > 0) {
        if (echo_bytes(ssl) != 0) return -1;
    } else if (echo_line(ssl, opt.line) != 0) {
        return -1;
    }
    if (opt.key_update) {
        /* Queued, sent with the next line; it asks the server to update its keys too. */
        if (SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1) {
            print_error(ssl, "key update", 0);
            return -1;
        }
        char text[256];
        snprintf(text, sizeof text, "%s-after-key-update", opt.line);
        if (echo_line(ssl, text) != 0) return -1;
    }
    SSL_shutdown(ssl);
    static char buf[CHUNK];
    for (int i = 0; i < 1000; i++) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) continue;
        if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) {
            begin("closed");
            out_after_close_notify(ssl);
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
    SSL_CTX *ctx = make_context();
    int status = 0;
    for (int i = 0; i < opt.connections && status == 0; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        set_deadline(fd);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("cannot connect");
        SSL *ssl = make_connection(ctx, fd);
        /* The newest ticket of the connections before; BoringSSL offers 0-RTT with it only if
         * the ticket allowed early data and -early-data is given. */
        if (kept_session && SSL_set_session(ssl, kept_session) != 1) die("SSL_set_session failed");
        /* -alpn-after: what the connections after the first offer instead of -alpn. */
        if (i > 0 && opt.alpn_after) {
            unsigned char wire[256];
            unsigned len = alpn_wire(opt.alpn_after, wire, sizeof wire);
            if (SSL_set_alpn_protos(ssl, wire, len) != 0) die("SSL_set_alpn_protos failed");
        }
        status = client_connection(ssl, kept_session != NULL);
        SSL_free(ssl);
        close(fd);
    }
    if (kept_session) SSL_SESSION_free(kept_session);
    SSL_CTX_free(ctx);
    return status == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    int status = opt.server ? run_server() : run_client();
    return status;
}
