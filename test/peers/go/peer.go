// A TLS 1.3 peer on Go's crypto/tls, for the interop suite (test/peers/go-crypto-tls.test.ts):
// Go's implementation is an oracle of its own, apart from OpenSSL, GnuTLS and Node. It writes one
// JSON object per line on stdout for each event, so the test reads what Go negotiated and
// verified instead of parsing a tool's prose. Standard library only; built by the test with
// `go build` (Debian's golang-go is Go 1.19).
//
//	peer server -listen 127.0.0.1:0 -cert F -key F -ca F [-client-auth require|request|none] [-curves ..] [-alpn P,..] [-export LABEL:LEN]
//	peer client -connect H:P -servername N -ca F [-cert F -key F [-send-cert-anyway]] [-curves ..] [-alpn P,..] [-connections N] [-export LABEL:LEN] [-line TEXT | -bytes N]
//
// The server echoes what a client sends until the client closes; the client sends -line (or
// -bytes of a fixed pattern), reads it back, then sends close_notify and reads to the end. Every
// wait has a deadline.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

const deadline = 20 * time.Second

func emit(event map[string]any) {
	line, _ := json.Marshal(event)
	os.Stdout.Write(append(line, '\n'))
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peer: "+format+"\n", args...)
	os.Exit(2)
}

func curves(list string) []tls.CurveID {
	if list == "" {
		return nil
	}
	var out []tls.CurveID
	for _, name := range strings.Split(list, ",") {
		switch name {
		case "X25519":
			out = append(out, tls.X25519)
		case "P256":
			out = append(out, tls.CurveP256)
		case "P384":
			out = append(out, tls.CurveP384)
		default:
			fatal("unknown curve %q", name)
		}
	}
	return out
}

func protocols(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, ",")
}

func pool(file string) *x509.CertPool {
	pem, err := os.ReadFile(file)
	if err != nil {
		fatal("%v", err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		fatal("no certificate in %s", file)
	}
	return p
}

// tls.VersionName is Go 1.21; Debian's Go is 1.19.
func versionName(version uint16) string {
	if version == tls.VersionTLS13 {
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", version)
}

// The connection's state as Go sees it, with the exporter (RFC 8446 §7.5) when asked for.
func describe(conn *tls.Conn, export string) map[string]any {
	state := conn.ConnectionState()
	event := map[string]any{
		"event":   "handshake",
		"version": versionName(state.Version),
		"suite":   tls.CipherSuiteName(state.CipherSuite),
		"resumed": state.DidResume,
		"alpn":    state.NegotiatedProtocol,
		// The SNI the client sent, as the server saw it ("" for none, and on the client).
		"serverName": state.ServerName,
	}
	if len(state.PeerCertificates) > 0 {
		leaf := state.PeerCertificates[0]
		uris := []string{}
		for _, u := range leaf.URIs {
			uris = append(uris, u.String())
		}
		event["peer"] = map[string]any{"subject": leaf.Subject.String(), "dns": leaf.DNSNames, "uris": uris}
		event["verifiedChains"] = len(state.VerifiedChains)
	}
	if export != "" {
		at := strings.LastIndex(export, ":")
		length, err := strconv.Atoi(export[at+1:])
		if at < 0 || err != nil {
			fatal("-export wants LABEL:LEN")
		}
		material, err := state.ExportKeyingMaterial(export[:at], nil, length)
		if err != nil {
			fatal("exporter: %v", err)
		}
		event["export"] = hex.EncodeToString(material)
	}
	return event
}

func errorEvent(stage string, err error) map[string]any {
	return map[string]any{"event": "error", "stage": stage, "error": err.Error()}
}

func serve(args []string) {
	flags := flag.NewFlagSet("server", flag.ExitOnError)
	listen := flags.String("listen", "127.0.0.1:0", "address")
	certFile := flags.String("cert", "", "certificate chain (PEM)")
	keyFile := flags.String("key", "", "private key (PEM)")
	caFile := flags.String("ca", "", "CA for client certificates")
	clientAuth := flags.String("client-auth", "require", "require, request or none")
	curveList := flags.String("curves", "", "X25519,P256,P384 in preference order")
	export := flags.String("export", "", "LABEL:LEN")
	alpn := flags.String("alpn", "", "ALPN protocols, in preference order")
	flags.Parse(args)
	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fatal("%v", err)
	}
	config := &tls.Config{
		MinVersion:       tls.VersionTLS13,
		Certificates:     []tls.Certificate{pair},
		CurvePreferences: curves(*curveList),
		NextProtos:       protocols(*alpn),
	}
	switch *clientAuth {
	case "require":
		config.ClientAuth = tls.RequireAndVerifyClientCert
		config.ClientCAs = pool(*caFile)
	case "request":
		config.ClientAuth = tls.VerifyClientCertIfGiven
		config.ClientCAs = pool(*caFile)
	case "none":
	default:
		fatal("unknown -client-auth %q", *clientAuth)
	}
	listener, err := tls.Listen("tcp", *listen, config)
	if err != nil {
		fatal("%v", err)
	}
	emit(map[string]any{"event": "listening", "address": listener.Addr().String()})
	for {
		raw, err := listener.Accept()
		if err != nil {
			fatal("%v", err)
		}
		go echo(raw.(*tls.Conn), *export)
	}
}

func echo(conn *tls.Conn, export string) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(deadline))
	if err := conn.Handshake(); err != nil {
		emit(errorEvent("handshake", err))
		return
	}
	emit(describe(conn, export))
	buffer := make([]byte, 32*1024)
	for {
		n, err := conn.Read(buffer)
		if n > 0 {
			if _, werr := conn.Write(buffer[:n]); werr != nil {
				emit(errorEvent("write", werr))
				return
			}
		}
		if errors.Is(err, io.EOF) {
			// The client's close_notify: Go answers with its own on Close.
			emit(map[string]any{"event": "closed", "clean": true})
			return
		}
		if err != nil {
			emit(errorEvent("read", err))
			return
		}
	}
}

func connect(args []string) {
	flags := flag.NewFlagSet("client", flag.ExitOnError)
	address := flags.String("connect", "", "HOST:PORT")
	serverName := flags.String("servername", "localhost", "SNI and the name to verify")
	certFile := flags.String("cert", "", "certificate chain (PEM)")
	keyFile := flags.String("key", "", "private key (PEM)")
	caFile := flags.String("ca", "", "CA for the server's certificate")
	curveList := flags.String("curves", "", "X25519,P256,P384 in preference order")
	export := flags.String("export", "", "LABEL:LEN")
	connections := flags.Int("connections", 1, "connections in a row, sharing a session cache")
	text := flags.String("line", "ping", "the line to send and read back")
	anyCert := flags.Bool("send-cert-anyway", false, "send -cert even when the server's certificate_authorities do not name its issuer")
	alpn := flags.String("alpn", "", "ALPN protocols, in preference order")
	size := flags.Int("bytes", 0, "send this many bytes of a fixed pattern instead of -line, and read them back")
	flags.Parse(args)
	config := &tls.Config{
		MinVersion:         tls.VersionTLS13,
		ServerName:         *serverName,
		RootCAs:            pool(*caFile),
		CurvePreferences:   curves(*curveList),
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
		NextProtos:         protocols(*alpn),
	}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fatal("%v", err)
		}
		config.Certificates = []tls.Certificate{pair}
		if *anyCert {
			// By default Go sends only a certificate whose issuer the CertificateRequest names.
			config.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
		}
	}
	failed := false
	for i := 0; i < *connections; i++ {
		if !exchange(*address, config, *export, *text, *size) {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// Byte i of a -bytes exchange.
func pattern(i int) byte { return byte(i % 251) }

func exchange(address string, config *tls.Config, export, text string, size int) bool {
	raw, err := net.DialTimeout("tcp", address, deadline)
	if err != nil {
		emit(errorEvent("dial", err))
		return false
	}
	conn := tls.Client(raw, config)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(deadline))
	if err := conn.Handshake(); err != nil {
		emit(errorEvent("handshake", err))
		return false
	}
	emit(describe(conn, export))
	if size > 0 {
		return exchangeBytes(conn, size)
	}
	if _, err := conn.Write([]byte(text + "\n")); err != nil {
		emit(errorEvent("write", err))
		return false
	}
	// TLS 1.3 client authentication fails after the client's Finished: the server's alert
	// arrives here, on the first read.
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		emit(errorEvent("read", err))
		return false
	}
	emit(map[string]any{"event": "echo", "line": strings.TrimSuffix(line, "\n")})
	return closeAndDrain(conn)
}

// Writes size bytes while reading them back (the echo may start before the writing ends), then closes.
func exchangeBytes(conn *tls.Conn, size int) bool {
	sent := make([]byte, size)
	for i := range sent {
		sent[i] = pattern(i)
	}
	written := make(chan error, 1)
	go func() {
		_, err := conn.Write(sent)
		written <- err
	}()
	received := make([]byte, size)
	if _, err := io.ReadFull(conn, received); err != nil {
		emit(errorEvent("read", err))
		return false
	}
	if err := <-written; err != nil {
		emit(errorEvent("write", err))
		return false
	}
	mismatch := -1
	for i := range received {
		if received[i] != sent[i] {
			mismatch = i
			break
		}
	}
	emit(map[string]any{"event": "echo", "bytes": size, "firstMismatch": mismatch})
	return closeAndDrain(conn) && mismatch < 0
}

// Sends close_notify, then reads to the peer's: a clean close both ways, or the error that ended it.
func closeAndDrain(conn *tls.Conn) bool {
	if err := conn.CloseWrite(); err != nil {
		emit(errorEvent("close", err))
		return false
	}
	rest, err := io.ReadAll(conn)
	if err != nil {
		emit(errorEvent("read", err))
		return false
	}
	emit(map[string]any{"event": "closed", "clean": true, "trailing": len(rest)})
	return true
}

func main() {
	if len(os.Args) < 2 {
		fatal("usage: peer server|client [flags]")
	}
	switch os.Args[1] {
	case "server":
		serve(os.Args[2:])
	case "client":
		connect(os.Args[2:])
	default:
		fatal("unknown mode %q", os.Args[1])
	}
}
