// A TLS 1.3 peer on rustls, for the interop suite (test/peers/rustls.test.ts): rustls is an oracle
// of its own, written apart from OpenSSL, GnuTLS, NSS and Go, on ring and webpki, and strict about
// RFC 8446 (it refuses what other stacks let pass). It writes one JSON object per line on stdout
// for each event, so the test reads what rustls negotiated and verified instead of parsing prose;
// rustls's own log lines (resumption accepted, HelloRetryRequest sent, the fatal alert it sends)
// are events too, because rustls 0.20 exposes those through its log and nowhere else.
//
//   rustls-peer server -listen 127.0.0.1:0 -cert F -key F -ca F [-client-auth require|request] [-suites ..] [-groups ..] [-alpn P,..] [-export LABEL:LEN]
//   rustls-peer client -connect H:P -servername N -ca F [-cert F -key F] [-suites ..] [-groups ..] [-alpn P,..] [-connections N] [-export LABEL:LEN] [-line TEXT | -bytes N]
//
// The server echoes what a client sends until the client's close_notify, then sends its own; the
// client sends -line (or -bytes of a fixed pattern), reads it back, sends close_notify and reads to
// the end. Every socket wait has a deadline. Built against Debian 12's rustls 0.20.8, so nothing
// newer than rustc 1.63 may be used here.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::server::{AllowAnyAnonymousOrAuthenticatedClient, AllowAnyAuthenticatedClient};
use rustls::{
    Certificate, ClientConfig, ClientConnection, CommonState, PrivateKey, RootCertStore,
    ServerConfig, ServerConnection, ServerName, Stream, SupportedCipherSuite, SupportedKxGroup,
};

const DEADLINE: Duration = Duration::from_secs(20);

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One JSON line from (key, already-encoded JSON value) pairs; one write, so lines never interleave.
fn emit(fields: &[(&str, String)]) {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", quote(k), v))
        .collect();
    let line = format!("{{{}}}\n", body.join(","));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

fn fatal(message: &str) -> ! {
    eprintln!("rustls-peer: {}", message);
    std::process::exit(2);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

/// rustls's log as events: debug and above, plus the one trace line that says a HelloRetryRequest
/// went out (server/tls13.rs, module client_hello: "Requesting retry").
struct EventLog;

impl log::Log for EventLog {
    fn enabled(&self, meta: &log::Metadata) -> bool {
        meta.target().starts_with("rustls")
            && (meta.level() <= log::Level::Debug
                || meta.target().starts_with("rustls::server::tls13"))
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = format!("{}", record.args());
        let message = if record.level() == log::Level::Trace {
            if !message.starts_with("Requesting retry") {
                return;
            }
            "Requesting retry".to_string()
        } else {
            message
        };
        emit(&[
            ("event", quote("log")),
            ("level", quote(&record.level().to_string())),
            ("message", quote(&message)),
        ]);
    }

    fn flush(&self) {}
}

/// Flags as `-name value`; `-name` followed by another flag (or nothing) is a boolean.
fn parse_flags(args: &[String]) -> HashMap<String, String> {
    let mut flags = HashMap::new();
    let mut i = 0;
    while i < args.len() {
        let name = match args[i].strip_prefix('-') {
            Some(name) => name.to_string(),
            None => fatal(&format!("unexpected argument {:?}", args[i])),
        };
        if i + 1 < args.len() && !args[i + 1].starts_with('-') {
            flags.insert(name, args[i + 1].clone());
            i += 2;
        } else {
            flags.insert(name, String::new());
            i += 1;
        }
    }
    flags
}

fn open(file: &str) -> BufReader<File> {
    match File::open(file) {
        Ok(f) => BufReader::new(f),
        Err(e) => fatal(&format!("{}: {}", file, e)),
    }
}

fn load_certs(file: &str) -> Vec<Certificate> {
    let certs = rustls_pemfile::certs(&mut open(file))
        .unwrap_or_else(|e| fatal(&format!("{}: {}", file, e)));
    if certs.is_empty() {
        fatal(&format!("no certificate in {}", file));
    }
    certs.into_iter().map(Certificate).collect()
}

fn load_key(file: &str) -> PrivateKey {
    let mut keys = rustls_pemfile::pkcs8_private_keys(&mut open(file))
        .unwrap_or_else(|e| fatal(&format!("{}: {}", file, e)));
    if keys.is_empty() {
        fatal(&format!("no PKCS#8 key in {}", file));
    }
    PrivateKey(keys.remove(0))
}

fn roots(file: &str) -> RootCertStore {
    let mut store = RootCertStore::empty();
    for cert in load_certs(file) {
        if let Err(e) = store.add(&cert) {
            fatal(&format!("{}: {:?}", file, e));
        }
    }
    store
}

fn list(flags: &HashMap<String, String>, name: &str) -> Vec<String> {
    match flags.get(name) {
        Some(v) if !v.is_empty() => v.split(',').map(|s| s.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// -suites, by their RFC 8446 names, in preference order (all three by default).
fn suites(flags: &HashMap<String, String>) -> Vec<SupportedCipherSuite> {
    let names = list(flags, "suites");
    if names.is_empty() {
        return rustls::DEFAULT_CIPHER_SUITES.to_vec();
    }
    names
        .iter()
        .map(|name| match name.as_str() {
            "TLS_AES_128_GCM_SHA256" => rustls::cipher_suite::TLS13_AES_128_GCM_SHA256,
            "TLS_AES_256_GCM_SHA384" => rustls::cipher_suite::TLS13_AES_256_GCM_SHA384,
            "TLS_CHACHA20_POLY1305_SHA256" => rustls::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
            _ => fatal(&format!("unknown suite {:?}", name)),
        })
        .collect()
}

/// -groups in preference order (rustls's default, X25519 first, otherwise); the client sends a key
/// share for the first only.
fn groups(flags: &HashMap<String, String>) -> Vec<&'static SupportedKxGroup> {
    let names = list(flags, "groups");
    if names.is_empty() {
        return rustls::ALL_KX_GROUPS.to_vec();
    }
    names
        .iter()
        .map(|name| match name.as_str() {
            "X25519" => &rustls::kx_group::X25519,
            "secp256r1" => &rustls::kx_group::SECP256R1,
            "secp384r1" => &rustls::kx_group::SECP384R1,
            _ => fatal(&format!("unknown group {:?}", name)),
        })
        .collect()
}

fn protocols(flags: &HashMap<String, String>) -> Vec<Vec<u8>> {
    list(flags, "alpn")
        .into_iter()
        .map(|p| p.into_bytes())
        .collect()
}

/// The connection as rustls sees it, with the exporter (RFC 8446 §7.5, no context) when asked for.
fn describe(
    common: &CommonState,
    export: Option<Result<Vec<u8>, rustls::Error>>,
    extra: Vec<(&str, String)>,
) {
    let mut fields = vec![("event", quote("handshake"))];
    let version = common
        .protocol_version()
        .map(|v| format!("{:?}", v))
        .unwrap_or_default();
    fields.push(("version", quote(&version)));
    if let Some(suite) = common.negotiated_cipher_suite() {
        fields.push(("suite", quote(&format!("{:?}", suite.suite()))));
    }
    let alpn = common
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).to_string())
        .unwrap_or_default();
    fields.push(("alpn", quote(&alpn)));
    if let Some(chain) = common.peer_certificates() {
        fields.push(("peerCertificates", chain.len().to_string()));
        if let Some(leaf) = chain.first() {
            fields.push((
                "peerLeafSha256",
                quote(&hex(
                    ring::digest::digest(&ring::digest::SHA256, &leaf.0).as_ref()
                )),
            ));
        }
    }
    match export {
        Some(Ok(material)) => fields.push(("export", quote(&hex(&material)))),
        Some(Err(e)) => fields.push(("exportError", quote(&e.to_string()))),
        None => {}
    }
    fields.extend(extra);
    emit(&fields);
}

fn export_spec(flags: &HashMap<String, String>) -> Option<(String, usize)> {
    let spec = flags.get("export")?;
    let at = spec
        .rfind(':')
        .unwrap_or_else(|| fatal("-export wants LABEL:LEN"));
    let length = spec[at + 1..]
        .parse()
        .unwrap_or_else(|_| fatal("-export wants LABEL:LEN"));
    Some((spec[..at].to_string(), length))
}

/// An I/O error, with the rustls error inside it (and the alert, for one received) when there is one.
fn error_event(stage: &str, e: &io::Error) {
    let mut fields = vec![
        ("event", quote("error")),
        ("stage", quote(stage)),
        ("error", quote(&e.to_string())),
    ];
    if let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        fields.push(("rustls", quote(&format!("{:?}", tls))));
        if let rustls::Error::AlertReceived(alert) = tls {
            fields.push(("alertReceived", quote(&format!("{:?}", alert))));
        }
    }
    emit(&fields);
}

fn serve(flags: HashMap<String, String>) {
    let listen = flags
        .get("listen")
        .map(String::as_str)
        .unwrap_or("127.0.0.1:0");
    let ca = flags.get("ca").unwrap_or_else(|| fatal("-ca is required"));
    let verifier = match flags
        .get("client-auth")
        .map(String::as_str)
        .unwrap_or("require")
    {
        "require" => AllowAnyAuthenticatedClient::new(roots(ca)),
        "request" => AllowAnyAnonymousOrAuthenticatedClient::new(roots(ca)),
        other => fatal(&format!("unknown -client-auth {:?}", other)),
    };
    let mut config = ServerConfig::builder()
        .with_cipher_suites(&suites(&flags))
        .with_kx_groups(&groups(&flags))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap_or_else(|e| fatal(&e.to_string()))
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            load_certs(
                flags
                    .get("cert")
                    .unwrap_or_else(|| fatal("-cert is required")),
            ),
            load_key(
                flags
                    .get("key")
                    .unwrap_or_else(|| fatal("-key is required")),
            ),
        )
        .unwrap_or_else(|e| fatal(&e.to_string()));
    config.alpn_protocols = protocols(&flags);
    let config = Arc::new(config);
    let export = export_spec(&flags);
    let listener = TcpListener::bind(listen).unwrap_or_else(|e| fatal(&e.to_string()));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| fatal(&e.to_string()));
    emit(&[
        ("event", quote("listening")),
        ("address", quote(&address.to_string())),
    ]);
    for sock in listener.incoming() {
        let sock = sock.unwrap_or_else(|e| fatal(&e.to_string()));
        let config = config.clone();
        let export = export.clone();
        std::thread::spawn(move || echo(sock, config, export));
    }
}

fn echo(mut sock: TcpStream, config: Arc<ServerConfig>, export: Option<(String, usize)>) {
    let _ = sock.set_read_timeout(Some(DEADLINE));
    let _ = sock.set_write_timeout(Some(DEADLINE));
    let mut conn = ServerConnection::new(config).unwrap_or_else(|e| fatal(&e.to_string()));
    // Marks every ticket this server issues, so received_resumption_data says whether a client resumed.
    conn.set_resumption_data(b"mutls-interop");
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            error_event("handshake", &e);
            return;
        }
    }
    let exported = export.map(|(label, length)| {
        let mut out = vec![0u8; length];
        conn.export_keying_material(&mut out, label.as_bytes(), None)
            .map(|_| out)
    });
    let resumed = conn.received_resumption_data().is_some();
    let server_name = conn.sni_hostname().unwrap_or("").to_string();
    describe(
        &conn,
        exported,
        vec![
            ("resumed", resumed.to_string()),
            ("serverName", quote(&server_name)),
        ],
    );
    let mut stream = Stream::new(&mut conn, &mut sock);
    let mut buffer = vec![0u8; 32 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                if let Err(e) = stream.write_all(&buffer[..n]) {
                    error_event("write", &e);
                    return;
                }
            }
            Err(e) => {
                error_event("read", &e);
                return;
            }
        }
    }
    // Ok(0) comes only after the client's close_notify (an EOF without one is an error): answer it.
    conn.send_close_notify();
    if let Err(e) = conn.complete_io(&mut sock) {
        error_event("close", &e);
        return;
    }
    emit(&[("event", quote("closed")), ("clean", "true".to_string())]);
}

fn connect(flags: HashMap<String, String>) {
    let address = flags
        .get("connect")
        .unwrap_or_else(|| fatal("-connect is required"));
    let server_name = flags
        .get("servername")
        .map(String::as_str)
        .unwrap_or("localhost");
    let builder = ClientConfig::builder()
        .with_cipher_suites(&suites(&flags))
        .with_kx_groups(&groups(&flags))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap_or_else(|e| fatal(&e.to_string()))
        .with_root_certificates(roots(
            flags.get("ca").unwrap_or_else(|| fatal("-ca is required")),
        ));
    let mut config = match (flags.get("cert"), flags.get("key")) {
        (Some(cert), Some(key)) => builder
            .with_single_cert(load_certs(cert), load_key(key))
            .unwrap_or_else(|e| fatal(&e.to_string())),
        _ => builder.with_no_client_auth(),
    };
    config.alpn_protocols = protocols(&flags);
    // The default session cache, shared by the -connections: the second resumes if the server allows.
    let config = Arc::new(config);
    let name = ServerName::try_from(server_name).unwrap_or_else(|e| fatal(&e.to_string()));
    let connections: usize = flags
        .get("connections")
        .map(|n| n.parse().unwrap_or_else(|_| fatal("-connections N")))
        .unwrap_or(1);
    let size: usize = flags
        .get("bytes")
        .map(|n| n.parse().unwrap_or_else(|_| fatal("-bytes N")))
        .unwrap_or(0);
    let line = flags
        .get("line")
        .cloned()
        .unwrap_or_else(|| "ping".to_string());
    let export = export_spec(&flags);
    let mut failed = false;
    for _ in 0..connections {
        if !exchange(address, config.clone(), name.clone(), &export, &line, size) {
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}

// Byte i of a -bytes exchange.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

fn exchange(
    address: &str,
    config: Arc<ClientConfig>,
    name: ServerName,
    export: &Option<(String, usize)>,
    line: &str,
    size: usize,
) -> bool {
    let mut sock = match TcpStream::connect(address) {
        Ok(s) => s,
        Err(e) => {
            error_event("dial", &e);
            return false;
        }
    };
    let _ = sock.set_read_timeout(Some(DEADLINE));
    let _ = sock.set_write_timeout(Some(DEADLINE));
    let mut conn = ClientConnection::new(config, name).unwrap_or_else(|e| fatal(&e.to_string()));
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            error_event("handshake", &e);
            return false;
        }
    }
    let exported = export.as_ref().map(|(label, length)| {
        let mut out = vec![0u8; *length];
        conn.export_keying_material(&mut out, label.as_bytes(), None)
            .map(|_| out)
    });
    describe(&conn, exported, Vec::new());
    let mut stream = Stream::new(&mut conn, &mut sock);
    let echoed = if size > 0 {
        exchange_bytes(&mut stream, size)
    } else {
        exchange_line(&mut stream, line)
    };
    if !echoed {
        return false;
    }
    conn.send_close_notify();
    let mut stream = Stream::new(&mut conn, &mut sock);
    if let Err(e) = stream.flush() {
        error_event("close", &e);
        return false;
    }
    // Reads to the server's close_notify (Ok(0)); an EOF without one is an error.
    let mut trailing = 0usize;
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => trailing += n,
            Err(e) => {
                error_event("read", &e);
                return false;
            }
        }
    }
    emit(&[
        ("event", quote("closed")),
        ("clean", "true".to_string()),
        ("trailing", trailing.to_string()),
    ]);
    true
}

fn exchange_line<T: Read + Write>(stream: &mut T, line: &str) -> bool {
    if let Err(e) = stream.write_all(format!("{}\n", line).as_bytes()) {
        error_event("write", &e);
        return false;
    }
    // TLS 1.3 client authentication fails after the client's Finished: the server's alert arrives
    // here, on the first read.
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !received.contains(&b'\n') {
        if !read_more(stream, &mut buffer, &mut received) {
            return false;
        }
    }
    let text = String::from_utf8_lossy(&received);
    emit(&[
        ("event", quote("echo")),
        ("line", quote(text.trim_end_matches('\n'))),
    ]);
    true
}

/// Appends what the peer sent next to `received`; false, with an error event, at the end of the
/// stream or on an error.
fn read_more<T: Read>(stream: &mut T, buffer: &mut [u8], received: &mut Vec<u8>) -> bool {
    match stream.read(buffer) {
        Ok(0) => {
            error_event(
                "read",
                &io::Error::new(io::ErrorKind::UnexpectedEof, "closed before the echo"),
            );
            false
        }
        Ok(n) => {
            received.extend_from_slice(&buffer[..n]);
            true
        }
        Err(e) => {
            error_event("read", &e);
            false
        }
    }
}

/// Sends size bytes in 16 KiB pieces, never more than 64 KiB ahead of the echo (one thread, blocking
/// sockets: the server's echo must keep draining), and checks every byte that comes back.
fn exchange_bytes<T: Read + Write>(stream: &mut T, size: usize) -> bool {
    let sent: Vec<u8> = (0..size).map(pattern).collect();
    let mut written = 0usize;
    let mut received = Vec::with_capacity(size);
    let mut buffer = vec![0u8; 32 * 1024];
    while received.len() < size {
        if written < size && written - received.len() < 64 * 1024 {
            let end = std::cmp::min(written + 16 * 1024, size);
            if let Err(e) = stream.write_all(&sent[written..end]) {
                error_event("write", &e);
                return false;
            }
            written = end;
            continue;
        }
        if !read_more(stream, &mut buffer, &mut received) {
            return false;
        }
    }
    let mismatch = received.iter().zip(sent.iter()).position(|(a, b)| a != b);
    let first = mismatch
        .map(|i| i.to_string())
        .unwrap_or_else(|| "-1".to_string());
    emit(&[
        ("event", quote("echo")),
        ("bytes", received.len().to_string()),
        ("firstMismatch", first),
    ]);
    mismatch.is_none() && received.len() == size
}

fn main() {
    log::set_logger(&EventLog).unwrap_or_else(|e| fatal(&e.to_string()));
    log::set_max_level(log::LevelFilter::Trace);
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        fatal("usage: rustls-peer server|client [flags]");
    }
    let flags = parse_flags(&args[2..]);
    match args[1].as_str() {
        "server" => serve(flags),
        "client" => connect(flags),
        other => fatal(&format!("unknown mode {:?}", other)),
    }
}
