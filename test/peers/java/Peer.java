// A TLS 1.3 peer on Java's JSSE (the JDK's own TLS stack, SunJSSE, written in Java apart from
// OpenSSL, GnuTLS, NSS and Go), for the interop suite (test/peers/java-jsse.test.ts). It writes one
// JSON object per line on stdout for each event, so the test reads what JSSE negotiated and
// verified instead of parsing its debug log. JDK only (javax.net.ssl, java.security); compiled by
// the test with javac.
//
//   Peer server -listen 127.0.0.1:0 -cert F -key F -ca F [-client-auth require|request|none]
//               [-ciphers S,..] [-groups G,..] [-sigschemes S,..] [-alpn P,..] [-key-limit BYTES]
//   Peer client -connect H:P -servername N -ca F [-cert F -key F] [-ciphers S,..] [-groups G,..] [-sigschemes S,..]
//               [-alpn P,..] [-connections N] [-key-limit BYTES] [-line TEXT | -bytes N]
//               [-send-cert-anyway] [-lockstep]
//
// -groups sets jdk.tls.namedGroups (SSLParameters.setNamedGroups is JDK 20+), -sigschemes
// jdk.tls.client.SignatureSchemes and jdk.tls.server.SignatureSchemes, and -key-limit the
// security property jdk.tls.keyLimits, so JSSE sends a KeyUpdate after that many bytes under one
// key; both are read when JSSE first initializes, so they are set before anything else.
// The server echoes what a client sends until the client's close_notify; the client sends -line
// (or -bytes of a fixed pattern), reads it back, closes, and reads to the end. Every read has a
// timeout.
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

public class Peer {
  static final int TIMEOUT_MS = 20_000;

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static String json(Object value) {
    if (value == null) return "null";
    if (value instanceof String) return quote((String) value);
    if (value instanceof Number || value instanceof Boolean) return value.toString();
    if (value instanceof Map) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (b.length() > 1) b.append(',');
        b.append(quote(e.getKey().toString())).append(':').append(json(e.getValue()));
      }
      return b.append('}').toString();
    }
    if (value instanceof List) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : (List<?>) value) {
        if (b.length() > 1) b.append(',');
        b.append(json(o));
      }
      return b.append(']').toString();
    }
    return quote(value.toString());
  }

  static synchronized void emit(Map<String, Object> event) {
    System.out.println(json(event));
    System.out.flush();
  }

  static Map<String, Object> event(String name) {
    Map<String, Object> e = new HashMap<>();
    e.put("event", name);
    return e;
  }

  static void error(String stage, Throwable t) {
    Map<String, Object> e = event("error");
    e.put("stage", stage);
    e.put("type", t.getClass().getSimpleName());
    e.put("error", String.valueOf(t.getMessage()));
    emit(e);
  }

  static void fatal(String message) {
    System.err.println("peer: " + message);
    System.exit(2);
  }

  static Map<String, String> flags(String[] args, int from) {
    Map<String, String> f = new HashMap<>();
    for (int i = from; i < args.length; i++) {
      if (args[i].equals("-send-cert-anyway") || args[i].equals("-lockstep")) {
        f.put(args[i].substring(1), "");
        continue;
      }
      if (!args[i].startsWith("-") || i + 1 >= args.length) fatal("bad flag " + args[i]);
      f.put(args[i].substring(1), args[++i]);
    }
    return f;
  }

  /** The DER bodies of every PEM block labelled `label` in `file`. */
  static List<byte[]> pem(String file, String label) throws Exception {
    String text = Files.readString(Path.of(file));
    List<byte[]> out = new ArrayList<>();
    String begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
    for (int at = text.indexOf(begin); at >= 0; at = text.indexOf(begin, at + 1)) {
      int stop = text.indexOf(end, at);
      if (stop < 0) fatal("unterminated PEM in " + file);
      out.add(Base64.getMimeDecoder().decode(text.substring(at + begin.length(), stop)));
    }
    if (out.isEmpty()) fatal("no " + label + " in " + file);
    return out;
  }

  static X509Certificate[] certificates(String file) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (byte[] der : pem(file, "CERTIFICATE")) {
      out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
    }
    return out.toArray(new X509Certificate[0]);
  }

  /** A PKCS#8 key: the algorithm is whichever KeyFactory accepts it. */
  static PrivateKey privateKey(String file) throws Exception {
    byte[] der = pem(file, "PRIVATE KEY").get(0);
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (Exception e) {
        // not this algorithm
      }
    }
    fatal("no KeyFactory reads " + file);
    return null;
  }

  static SSLContext context(Map<String, String> f) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int n = 0;
    for (X509Certificate ca : certificates(f.get("ca"))) trust.setCertificateEntry("ca" + n++, ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (f.containsKey("cert")) {
      char[] password = "peer".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("key", privateKey(f.get("key")), password, certificates(f.get("cert")));
      // PKIX (X509KeyManagerImpl) picks the credential by the peer's signature_algorithms.
      kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(keys, password);
    }
    KeyManager[] managers = kmf == null ? null : kmf.getKeyManagers();
    if (managers != null && f.containsKey("send-cert-anyway")) {
      managers = new KeyManager[] {anyIssuer((X509ExtendedKeyManager) managers[0])};
    }
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(managers, tmf.getTrustManagers(), null);
    return context;
  }

  /**
   * By default JSSE offers only a client certificate whose issuer the CertificateRequest's
   * certificate_authorities name; this one offers it regardless, so the server's own verdict shows.
   */
  static X509ExtendedKeyManager anyIssuer(X509ExtendedKeyManager delegate) {
    return new X509ExtendedKeyManager() {
      public String[] getClientAliases(String type, Principal[] issuers) {
        return delegate.getClientAliases(type, null);
      }

      public String chooseClientAlias(String[] types, Principal[] issuers, java.net.Socket socket) {
        return delegate.chooseClientAlias(types, null, socket);
      }

      public String[] getServerAliases(String type, Principal[] issuers) {
        return delegate.getServerAliases(type, issuers);
      }

      public String chooseServerAlias(String type, Principal[] issuers, java.net.Socket socket) {
        return delegate.chooseServerAlias(type, issuers, socket);
      }

      public X509Certificate[] getCertificateChain(String alias) {
        return delegate.getCertificateChain(alias);
      }

      public PrivateKey getPrivateKey(String alias) {
        return delegate.getPrivateKey(alias);
      }
    };
  }

  static void configure(SSLSocket socket, Map<String, String> f) {
    SSLParameters p = socket.getSSLParameters();
    p.setProtocols(new String[] {"TLSv1.3"});
    if (f.containsKey("ciphers")) p.setCipherSuites(f.get("ciphers").split(","));
    if (f.containsKey("alpn")) p.setApplicationProtocols(f.get("alpn").split(","));
    socket.setSSLParameters(p);
  }

  static Map<String, Object> describe(SSLSocket socket, String role, long started) throws Exception {
    SSLSession s = socket.getSession();
    Map<String, Object> e = event("handshake");
    // JSSE has no isResumed(); a resumed session keeps the creation time of the one it resumes,
    // so a session older than this handshake was resumed.
    e.put("resumed", s.getCreationTime() < started);
    e.put("role", role);
    e.put("protocol", s.getProtocol());
    e.put("suite", s.getCipherSuite());
    e.put("alpn", socket.getApplicationProtocol());
    e.put("sessionCreated", s.getCreationTime());
    e.put("sessionId", java.util.HexFormat.of().formatHex(s.getId()));
    Certificate[] local = s.getLocalCertificates();
    e.put("localCertificate", local == null ? null : ((X509Certificate) local[0]).getSubjectX500Principal().getName());
    try {
      Certificate[] chain = s.getPeerCertificates();
      X509Certificate leaf = (X509Certificate) chain[0];
      Map<String, Object> peer = new HashMap<>();
      peer.put("subject", leaf.getSubjectX500Principal().getName());
      peer.put("issuer", leaf.getIssuerX500Principal().getName());
      peer.put("keyAlgorithm", leaf.getPublicKey().getAlgorithm());
      List<String> dns = new ArrayList<>(), uris = new ArrayList<>(), ips = new ArrayList<>();
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          int type = (Integer) san.get(0);
          if (type == 2) dns.add((String) san.get(1));
          else if (type == 6) uris.add((String) san.get(1));
          else if (type == 7) ips.add((String) san.get(1));
        }
      }
      peer.put("dns", dns);
      peer.put("uris", uris);
      peer.put("ips", ips);
      peer.put("chainLength", chain.length);
      e.put("peer", peer);
    } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
      // no client certificate (server with -client-auth request or none)
    }
    return e;
  }

  // ---- server ----

  static void serve(Map<String, String> f) throws Exception {
    SSLContext context = context(f);
    SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
    String[] listen = f.getOrDefault("listen", "127.0.0.1:0").split(":");
    listener.bind(new InetSocketAddress(InetAddress.getByName(listen[0]), Integer.parseInt(listen[1])));
    Map<String, Object> e = event("listening");
    e.put("address", "127.0.0.1:" + listener.getLocalPort());
    e.put("java", System.getProperty("java.version"));
    emit(e);
    String auth = f.getOrDefault("client-auth", "require");
    for (;;) {
      SSLSocket socket = (SSLSocket) listener.accept();
      configure(socket, f);
      if (auth.equals("require")) socket.setNeedClientAuth(true);
      else if (auth.equals("request")) socket.setWantClientAuth(true);
      new Thread(() -> echo(socket)).start();
    }
  }

  static void echo(SSLSocket socket) {
    try (socket) {
      socket.setSoTimeout(TIMEOUT_MS);
      long started = System.currentTimeMillis();
      try {
        socket.startHandshake();
      } catch (Exception t) {
        error("handshake", t);
        return;
      }
      emit(describe(socket, "server", started));
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buffer = new byte[32 * 1024];
      long total = 0;
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
          total += n;
        }
      } catch (Exception t) {
        error("read", t);
        return;
      }
      // The client's close_notify: JSSE answers with its own on close.
      Map<String, Object> e = event("closed");
      e.put("clean", true);
      e.put("bytes", total);
      emit(e);
    } catch (Exception t) {
      error("close", t);
    }
  }

  // ---- client ----

  static void connect(Map<String, String> f) throws Exception {
    SSLContext context = context(f);
    String[] address = f.get("connect").split(":");
    int connections = Integer.parseInt(f.getOrDefault("connections", "1"));
    boolean failed = false;
    for (int i = 0; i < connections; i++) {
      if (!exchange(context, address[0], Integer.parseInt(address[1]), f)) failed = true;
    }
    System.exit(failed ? 1 : 0);
  }

  static byte pattern(int i) {
    return (byte) (i % 251);
  }

  static boolean exchange(SSLContext context, String host, int port, Map<String, String> f) {
    // The same SSLContext connecting to the same host and port: JSSE offers the ticket it cached.
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
      socket.setSoTimeout(TIMEOUT_MS);
      configure(socket, f);
      SSLParameters p = socket.getSSLParameters();
      String name = f.getOrDefault("servername", "localhost");
      p.setServerNames(List.of(new javax.net.ssl.SNIHostName(name)));
      // Hostname verification against the certificate, as HTTPS does.
      p.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(p);
      long started = System.currentTimeMillis();
      try {
        socket.startHandshake();
      } catch (Exception t) {
        error("handshake", t);
        return false;
      }
      emit(describe(socket, "client", started));
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int size = Integer.parseInt(f.getOrDefault("bytes", "0"));
      byte[] sent;
      if (size > 0) {
        sent = new byte[size];
        for (int i = 0; i < size; i++) sent[i] = pattern(i);
      } else {
        sent = (f.getOrDefault("line", "ping") + "\n").getBytes(StandardCharsets.UTF_8);
      }
      byte[] received = new byte[sent.length];
      int got = 0;
      // 16 KiB per write call: JSSE checks its write key's limit (jdk.tls.keyLimits) after each one.
      int chunk = 16 * 1024;
      if (f.containsKey("lockstep")) {
        // Each chunk read back before the next is sent: little is in flight, as in request and
        // response traffic.
        try {
          for (int at = 0; at < sent.length; at += chunk) {
            int end = Math.min(sent.length, at + chunk);
            out.write(sent, at, end - at);
            out.flush();
            while (got < end) {
              int n = in.read(received, got, end - got);
              if (n < 0) break;
              got += n;
            }
            if (got < end) break;
          }
        } catch (Exception t) {
          error("read", t);
          return false;
        }
      } else {
        // Written from another thread: the echo may come back before the writing ends.
        AtomicReference<Exception> writeError = new AtomicReference<>();
        Thread writer = new Thread(() -> {
          try {
            for (int at = 0; at < sent.length; at += chunk) out.write(sent, at, Math.min(chunk, sent.length - at));
            out.flush();
          } catch (Exception t) {
            writeError.set(t);
          }
        });
        writer.start();
        try {
          // TLS 1.3 client authentication fails after the client's Finished: the server's alert
          // arrives here, on the first read.
          while (got < received.length) {
            int n = in.read(received, got, received.length - got);
            if (n < 0) break;
            got += n;
          }
        } catch (Exception t) {
          error("read", t);
          return false;
        }
        writer.join(TIMEOUT_MS);
        if (writeError.get() != null) {
          error("write", writeError.get());
          return false;
        }
      }
      int mismatch = got == sent.length ? -1 : got;
      for (int i = 0; i < got && mismatch < 0; i++) if (received[i] != sent[i]) mismatch = i;
      Map<String, Object> e = event("echo");
      e.put("bytes", got);
      e.put("firstMismatch", mismatch);
      if (size == 0) e.put("line", new String(received, 0, got, StandardCharsets.UTF_8).replaceAll("\n$", ""));
      emit(e);
      // close_notify, then read to the server's.
      socket.shutdownOutput();
      int trailing = 0;
      try {
        for (int n; (n = in.read(received)) >= 0; ) trailing += n;
      } catch (Exception t) {
        error("read", t);
        return false;
      }
      Map<String, Object> closed = event("closed");
      closed.put("clean", true);
      closed.put("trailing", trailing);
      emit(closed);
      return mismatch < 0;
    } catch (Exception t) {
      error("connect", t);
      return false;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) fatal("usage: Peer server|client [flags]");
    Map<String, String> f = flags(args, 1);
    if (f.containsKey("groups")) System.setProperty("jdk.tls.namedGroups", f.get("groups"));
    if (f.containsKey("sigschemes")) {
      // What JSSE offers in signature_algorithms (ClientHello, CertificateRequest), signs with,
      // and accepts in the peer's CertificateVerify.
      System.setProperty("jdk.tls.client.SignatureSchemes", f.get("sigschemes"));
      System.setProperty("jdk.tls.server.SignatureSchemes", f.get("sigschemes"));
    }
    if (f.containsKey("key-limit")) {
      String limit = f.get("key-limit");
      Security.setProperty("jdk.tls.keyLimits", "AES/GCM/NoPadding KeyUpdate " + limit + ", ChaCha20-Poly1305 KeyUpdate " + limit);
    }
    switch (args[0]) {
      case "server":
        serve(f);
        break;
      case "client":
        connect(f);
        break;
      default:
        fatal("unknown mode " + args[0]);
    }
  }
}
