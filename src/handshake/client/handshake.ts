import { constantTimeEqual, fail, toHex } from "../../bytes/index.js";
import { type AsyncCryptoOperations, type AsyncKeyShare, type GroupName, type MaybePromise, asyncOperations, isPromise } from "../../crypto/provider.js";
import type { VerificationBudget } from "../../x509/index.js";
import { type CipherSuite, HandshakeType, type SignatureScheme, TLS12, cipherSuiteByCode } from "../codec/constants.js";
import type { ClientConfig, ResolvedConfig } from "../config.js";
import type { HandshakeIO, HandshakeResult, Step } from "../handshake-io.js";
import { EarlySecret, SuiteKdf, type MasterSecret } from "../key-schedule.js";
import { type HandshakeMessage, decodeFinished, encodeClientHello, encodeFinished, encodeHandshake } from "../codec/messages.js";
import { type SignedAhead, sendCertificateFlight } from "./certificate.js";
import { clientHelloExtensions } from "./client-hello.js";
import { type ClientOptions, checkClientOptions } from "./options.js";
import {
  type AcceptedPsk,
  type KeyExchangeOutcome,
  checkHelloRetryRequest,
  checkServerHelloFields,
  checkServerVersion,
  serverKeyShareSecret,
} from "./server-hello.js";
import { checkCertificateRequest, checkEncryptedExtensions } from "./server-parameters.js";
import { type VerifiedPeer, verificationBudget } from "../peer-verification.js";
import {
  type EarlyCertificateVerify,
  type RequiredCertificate,
  checkPeerCertificateAsync,
  checkPeerCertificateVerifyAsync,
  verifyCertificateVerifyEarly,
} from "../peer-certificate.js";
import { Transcript } from "../transcript.js";
import { recordLimitsFromServer } from "../record-size-limit.js";
import type { OfferedSession } from "./resumption.js";
import { PostHandshake, type PostHandshakeInit } from "../post-handshake.js";
import { type ReceivedCertificateRequest, type ReceivedServerHello, readServerHello } from "../codec/received-messages.js";
import {
  ExpectCertificate,
  ExpectCertificateOrCertificateRequest,
  ExpectCertificateVerify,
  ExpectEncryptedExtensions,
  ExpectFinished,
  ExpectServerHello,
  type Negotiated,
  type Retried,
  type ServerAuthenticated,
  type ServerParameters,
} from "./state.js";

/** What a ServerHello accepted when no PSK was offered. */
const NO_PSK: AcceptedPsk = { psk: null, certificatesWithPsk: false };

/** A step that takes no message: before the ClientHello, while our second flight is signed, and after. */
const idle = (name: string): Step => ({ name, expects: [], handle: () => undefined });

/**
 * The client side of the TLS 1.3 handshake (RFC 8446 §2, §4). Reading the methods top to bottom
 * follows the protocol: sendClientHello, sendEarlyData, processHelloRetryRequest,
 * processServerHello, processEncryptedExtensions, processCertificateRequest,
 * processServerCertificate, processServerCertificateVerify, processServerFinished,
 * sendClientCertificate, sendClientFinished. Each process step takes the state (state.ts) that
 * expects its message and enters the next one; the driver itself keeps only the configuration.
 */
export class ClientHandshake {
  step: Step = idle("Start");
  private readonly options: ClientOptions;
  /** What the server's certificates may cost us before it has authenticated (limits.maxVerificationCost). */
  private readonly verificationBudget: VerificationBudget;
  /** §D.4: at most one dummy change_cipher_spec per connection. */
  private changeCipherSpecSent = false;
  /** The first flight, for sendEarlyData right after it (which must follow the ClientHello's record). */
  private firstFlight: ExpectServerHello | null = null;
  /** Our CertificateVerify signature, started while the server's signatures are verified (certificate.ts, signAhead). */
  private signedAhead: SignedAhead | null = null;

  constructor(
    private readonly config: ResolvedConfig,
    clientConfig: ClientConfig,
    private readonly io: HandshakeIO,
  ) {
    this.verificationBudget = verificationBudget(config);
    this.options = checkClientOptions(config, clientConfig);
  }

  /**
   * RFC 8446 §4.1.2. The key shares come from the provider's asynchronous operations (issue 13):
   * when one answers later the ClientHello waits for it, and the connection with it.
   */
  sendClientHello(): void | Promise<void> {
    const provider = this.config.provider;
    const random = provider.randomBytes(32);
    // §D.4: a non-empty session id asks middleboxes to treat this as a TLS 1.2 resumption.
    const legacySessionId = this.options.middleboxCompat ? provider.randomBytes(32) : new Uint8Array(0);
    const keyShares = generateKeyShares(asyncOperations(provider), this.options.keyShareGroups);
    if (isPromise(keyShares)) return keyShares.then((shares) => this.writeFirstClientHello(random, legacySessionId, shares));
    this.writeFirstClientHello(random, legacySessionId, keyShares);
  }

  /** The rest of sendClientHello, once the key shares exist. */
  private writeFirstClientHello(random: Uint8Array, legacySessionId: Uint8Array, keyShares: readonly AsyncKeyShare[]): void {
    const provider = this.config.provider;
    const { externalPsk, pskModes, sessionStore, resumption } = this.options;
    // Without the resumption module (mutls/core) the options hold no PSK, store or early data to offer.
    const offer = !resumption
      ? null
      : externalPsk
        ? resumption.externalOffer(this.config, externalPsk, pskModes)
        : resumption.ticketOffer(this.config, sessionStore, this.options.serverName);
    const session = offer?.session;
    const early = this.options.earlyData;
    // §4.2.10: 0-RTT data runs under the ticket's parameters, its ALPN protocol included, so it is
    // sent only when that protocol is one we offer now (as BoringSSL's client does).
    const alpnFits = session?.alpnProtocol == null || this.config.alpnProtocols.includes(session.alpnProtocol);
    const earlyData = early && session && session.maxEarlyData >= early.length && alpnFits ? "sent" : "none";
    const transcript = new Transcript(provider);
    const { message: clientHello1, extensions } = this.writeClientHello(
      transcript,
      random,
      legacySessionId,
      keyShares,
      offer,
      earlyData === "sent",
      null,
      null,
    );
    // §7.1: the early exporter of the (only, so first) PSK we offer; the one 0-RTT data would use.
    const earlyExporter = offer && resumption ? resumption.earlyExporter(provider, offer.suite, offer.psk, clientHello1) : null;
    if (earlyExporter) this.io.setEarlyExporter(earlyExporter);
    const sent = { legacySessionId, cipherSuites: this.config.cipherSuites, extensions };
    const state = new ExpectServerHello(transcript, random, sent, keyShares, offer, clientHello1, earlyData, earlyExporter, null);
    this.firstFlight = state;
    this.step = { name: state.name, expects: [HandshakeType.server_hello], handle: (m) => this.processServerHelloOrRetry(state, m) };
  }

  /**
   * §2.3, §7.1: 0-RTT data right after the ClientHello (and the §D.4 change_cipher_spec), under
   * client_early_traffic_secret from the ticket's PSK and suite.
   */
  sendEarlyData(): void {
    const state = this.firstFlight;
    this.firstFlight = null;
    const data = this.options.earlyData;
    const session = state?.offer?.session;
    const suite = session ? cipherSuiteByCode(session.cipherSuite) : undefined;
    if (state === null || state.earlyData !== "sent" || data === null || !session || !suite) return;
    const early = new EarlySecret(new SuiteKdf(this.config.provider, suite), session.psk);
    const secret = early.clientEarlyTrafficSecret(this.config.provider.hash(suite.hash, state.clientHello1));
    this.logSecret(state.random, "CLIENT_EARLY_TRAFFIC_SECRET", secret);
    // As OpenSSL does: the early exporter secret is logged when 0-RTT data is sent.
    if (state.earlyExporter) this.logSecret(state.random, "EARLY_EXPORTER_SECRET", state.earlyExporter.secret);
    this.sendChangeCipherSpecOnce();
    this.io.setWriteSecret(suite, secret, "early");
    this.io.sendEarlyData(data);
  }

  private writeClientHello(
    transcript: Transcript,
    random: Uint8Array,
    legacySessionId: Uint8Array,
    keyShares: readonly AsyncKeyShare[],
    offer: OfferedSession | null,
    earlyData: boolean,
    retried: Retried | null,
    clientHello1: Uint8Array | null,
  ): { message: Uint8Array; extensions: Set<number> } {
    const extensions = clientHelloExtensions(
      this.config,
      {
        earlyData,
        sniName: this.options.sniName,
        keyShares,
        pskWithCertificates: this.options.pskWithCertificates,
        postHandshakeAuth: this.options.postHandshakeAuth,
        cookie: retried?.request.cookie ?? null,
        psk: offer,
        pskExtensions: this.options.resumption?.helloExtensions(offer, this.options.sessionStore !== null, this.config.now().getTime()) ?? null,
      },
      retried !== null,
    );
    const message = encodeClientHello({
      legacyVersion: TLS12,
      random,
      legacySessionId,
      cipherSuites: this.config.cipherSuites.map((s) => s.code),
      legacyCompressionMethods: new Uint8Array([0]),
      extensions,
    });
    if (offer && this.options.resumption) {
      const retryMessages = retried && clientHello1 ? { clientHello1, helloRetryRequest: retried.helloRetryRequest } : null;
      this.options.resumption.fillBinder(this.config, offer, message, retryMessages);
    }
    transcript.add(message);
    this.io.sendHandshake(message);
    return { message, extensions: new Set(extensions.map((e) => e.type)) };
  }

  private processServerHelloOrRetry(state: ExpectServerHello, m: HandshakeMessage): void | Promise<void> {
    const hello = readServerHello(m.body, state.sent.extensions);
    checkServerVersion(hello);
    if (hello.kind === "HelloRetryRequest") {
      if (state.retried) fail("unexpected_message", "the server sent a second HelloRetryRequest");
      return this.processHelloRetryRequest(state, hello, m);
    }
    return this.processServerHello(state, hello, m);
  }

  /** §4.1.4 */
  private processHelloRetryRequest(
    state: ExpectServerHello,
    hello: Extract<ReceivedServerHello, { kind: "HelloRetryRequest" }>,
    m: HandshakeMessage,
  ): void | Promise<void> {
    const suite = checkServerHelloFields(hello, state.sent);
    const request = checkHelloRetryRequest(
      hello.extensions,
      suite,
      this.config.groups,
      state.keyShares.map((k) => k.group),
    );
    const retried: Retried = { request, helloRetryRequest: m.raw };
    // The server selects a PSK only in the second ClientHello, whose early secret differs from the
    // first one's (§7.1): no early exporter both ends agree on is left.
    this.io.setEarlyExporter(null);
    // §4.2.10: a HelloRetryRequest rejects 0-RTT; the second ClientHello goes in plaintext again.
    const earlyData = state.earlyData === "sent" ? "rejected" : state.earlyData;
    if (state.earlyData === "sent") this.io.resetWriteProtection();
    // §4.1.4: the second ClientHello may keep the PSK only if its hash matches the suite chosen.
    const offer = state.offer && state.offer.suite.hash === suite.hash ? state.offer : null;

    const transcript = state.transcript;
    transcript.replaceWithMessageHash(suite.hash);
    transcript.add(m.raw);
    if (request.group === null) return this.sendSecondClientHello(state, retried, offer, earlyData, state.keyShares);
    const share = asyncOperations(this.config.provider).generateKeyShare(request.group);
    if (isPromise(share)) return share.then((s) => this.sendSecondClientHello(state, retried, offer, earlyData, [s]));
    this.sendSecondClientHello(state, retried, offer, earlyData, [share]);
  }

  /** The rest of processHelloRetryRequest (§4.1.2's second ClientHello), once its key share exists. */
  private sendSecondClientHello(
    state: ExpectServerHello,
    retried: Retried,
    offer: OfferedSession | null,
    earlyData: ExpectServerHello["earlyData"],
    keyShares: readonly AsyncKeyShare[],
  ): void {
    const transcript = state.transcript;
    this.sendChangeCipherSpecOnce();
    const { extensions } = this.writeClientHello(transcript, state.random, state.sent.legacySessionId, keyShares, offer, false, retried, state.clientHello1);
    const sent = { ...state.sent, extensions };
    const next = new ExpectServerHello(transcript, state.random, sent, keyShares, offer, state.clientHello1, earlyData, null, retried);
    this.step = { name: next.name, expects: [HandshakeType.server_hello], handle: (msg) => this.processServerHelloOrRetry(next, msg) };
  }

  /** §4.1.3, then §7.1 handshake keys; our share's Diffie-Hellman may answer later (issue 13). */
  private processServerHello(
    state: ExpectServerHello,
    hello: Extract<ReceivedServerHello, { kind: "ServerHello" }>,
    m: HandshakeMessage,
  ): void | Promise<void> {
    const suite = checkServerHelloFields(hello, state.sent);
    if (state.retried && state.retried.request.suite !== suite) {
      fail("illegal_parameter", "ServerHello changed the cipher suite chosen in the HelloRetryRequest");
    }
    // Without the resumption module no PSK was offered, so readServerHello has refused a
    // pre_shared_key or tls_cert_with_extern_psk as unsupported_extension.
    const { psk, certificatesWithPsk } = this.options.resumption?.acceptPsk(hello.extensions, state.offer, suite, this.options.pskWithCertificates) ?? NO_PSK;
    const exchanged = serverKeyShareSecret(hello.extensions, state.keyShares, suite, psk ? psk.modes : null);
    const accepted: AcceptedServerHello = { suite, psk, certificatesWithPsk, raw: m.raw };
    if (isPromise(exchanged)) return exchanged.then((e) => this.enterHandshakeKeys(state, accepted, e));
    this.enterHandshakeKeys(state, accepted, exchanged);
  }

  /** The rest of processServerHello, once the (EC)DHE secret is known: §7.1's handshake secrets. */
  private enterHandshakeKeys(state: ExpectServerHello, accepted: AcceptedServerHello, { sharedSecret, group }: KeyExchangeOutcome): void {
    const { suite, psk, certificatesWithPsk } = accepted;
    const transcript = state.transcript;
    transcript.selectHash(suite.hash);
    transcript.add(accepted.raw);

    // §7.1: Early Secret from the PSK (or zeros), then the Handshake Secret with the (EC)DHE input.
    const keys = new EarlySecret(new SuiteKdf(this.config.provider, suite), psk?.psk).handshakeSecret(sharedSecret);
    const secrets = keys.trafficSecrets(transcript.hash());
    this.logSecret(state.random, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", secrets.client);
    this.logSecret(state.random, "SERVER_HANDSHAKE_TRAFFIC_SECRET", secrets.server);
    this.io.setReadSecret(suite, secrets.server, "handshake");
    // §D.4: the dummy change_cipher_spec goes before our first encrypted record.
    this.sendChangeCipherSpecOnce();
    const writeKeyDeferred = state.earlyData === "sent";
    if (!writeKeyDeferred) this.io.setWriteSecret(suite, secrets.client, "handshake");

    const hs: Negotiated = {
      transcript,
      random: state.random,
      offeredExtensions: state.sent.extensions,
      suite,
      group,
      helloRetry: state.retried !== null,
      psk,
      keys,
      clientHandshakeSecret: secrets.client,
      serverHandshakeSecret: secrets.server,
      writeKeyDeferred,
    };
    const next = new ExpectEncryptedExtensions(hs, certificatesWithPsk, state.earlyData !== "none");
    this.step = { name: next.name, expects: [HandshakeType.encrypted_extensions], handle: (msg) => this.processEncryptedExtensions(next, msg) };
  }

  private sendChangeCipherSpecOnce(): void {
    if (this.options.middleboxCompat && !this.changeCipherSpecSent) {
      this.changeCipherSpecSent = true;
      this.io.sendChangeCipherSpec();
    }
  }

  /** §4.3.1 (server-parameters.ts) */
  private processEncryptedExtensions(state: ExpectEncryptedExtensions, m: HandshakeMessage): void {
    const { hs } = state;
    const { params, extensions } = checkEncryptedExtensions(this.config, m.body, hs, state.earlyDataSent);
    this.io.setRecordLimits(recordLimitsFromServer(extensions.recordSizeLimit, this.config.recordSizeLimit));
    hs.transcript.add(m.raw);
    // §2.2: a PSK handshake authenticates by the PSK; Certificate and CertificateRequest are not sent,
    // unless the server combined an external PSK with certificates (RFC 8773).
    if (hs.psk && !state.certificatesWithPsk) {
      this.expectFinished(new ExpectFinished(hs, params, null, { peer: hs.psk.server, scheme: null }));
      return;
    }
    const next = new ExpectCertificateOrCertificateRequest(hs, params);
    this.step = {
      name: next.name,
      expects: [HandshakeType.certificate_request, HandshakeType.certificate],
      handle: (msg) =>
        msg.type === HandshakeType.certificate_request ? this.processCertificateRequest(next, msg) : this.processServerCertificate(next, null, msg),
    };
  }

  /** §4.3.2 (server-parameters.ts) */
  private processCertificateRequest(state: ExpectCertificateOrCertificateRequest, m: HandshakeMessage): void {
    const request = checkCertificateRequest(m.body);
    state.hs.transcript.add(m.raw);
    const next = new ExpectCertificate(state.hs, state.params, request);
    this.step = { name: next.name, expects: [HandshakeType.certificate], handle: (msg) => this.processServerCertificate(next, next.request, msg) };
  }

  /** §4.4.2, §4.4.2.4: the server's Certificate answers our ClientHello (peer-certificate.ts). */
  private processServerCertificate(
    state: ExpectCertificateOrCertificateRequest | ExpectCertificate,
    request: ReceivedCertificateRequest | null,
    m: HandshakeMessage,
  ): void | Promise<void> {
    const asked: RequiredCertificate = {
      peerRole: "server",
      context: new Uint8Array(0),
      offeredExtensions: state.hs.offeredExtensions,
      required: true,
      serverName: this.options.serverName,
      budget: this.verificationBudget,
    };
    // On a provider that answers later (issue 13), the CertificateVerify behind the Certificate, if
    // here already, is verified while the chain's signatures are (one wait for both), and our own
    // CertificateVerify signed meanwhile (client/sign-ahead.ts, where the entry supplies it). The
    // chain goes first: its path search is short, and its verifications are the longer wait.
    const server = checkPeerCertificateAsync(this.config, m.body, asked);
    let early: EarlyCertificateVerify | null = null;
    if (this.config.provider.asynchronous !== undefined) {
      early = verifyCertificateVerifyEarly(this.config, m, this.io.peekHandshake(), asked, state.hs.transcript);
      if (early !== null && request !== null && state.params.earlyData !== "accepted") {
        this.signedAhead = this.config.asyncChainVerification?.signAhead?.(this.config, request, state.hs.transcript, m, this.io) ?? null;
      }
    }
    if (isPromise(server)) return server.then((s) => this.serverCertificateChecked(state, request, asked, m, s, early));
    this.serverCertificateChecked(state, request, asked, m, server, early);
  }

  /** The rest of processServerCertificate, once the chain is validated. */
  private serverCertificateChecked(
    state: ExpectCertificateOrCertificateRequest | ExpectCertificate,
    request: ReceivedCertificateRequest | null,
    asked: RequiredCertificate,
    m: HandshakeMessage,
    server: VerifiedPeer,
    early: EarlyCertificateVerify | null = null,
  ): void {
    state.hs.transcript.add(m.raw);
    const next = new ExpectCertificateVerify(state.hs, state.params, request, asked, server, early);
    this.step = { name: next.name, expects: [HandshakeType.certificate_verify], handle: (msg) => this.processServerCertificateVerify(next, msg) };
  }

  /** §4.4.3; the provider may verify asynchronously (issue 13). */
  private processServerCertificateVerify(state: ExpectCertificateVerify, m: HandshakeMessage): void | Promise<void> {
    const scheme = checkPeerCertificateVerifyAsync(this.config, m.body, state.asked, state.server, state.hs.transcript.hash(), state.early);
    if (isPromise(scheme)) return scheme.then((s) => this.serverCertificateVerified(state, m, s));
    this.serverCertificateVerified(state, m, scheme);
  }

  /** The rest of processServerCertificateVerify, once the signature holds. */
  private serverCertificateVerified(state: ExpectCertificateVerify, m: HandshakeMessage, scheme: SignatureScheme): void {
    const { hs } = state;
    hs.transcript.add(m.raw);
    this.expectFinished(new ExpectFinished(hs, state.params, state.request, { peer: state.server, scheme }));
  }

  private expectFinished(next: ExpectFinished): void {
    this.step = { name: next.name, expects: [HandshakeType.finished], handle: (msg) => this.processServerFinished(next, msg) };
  }

  /** §4.4.4, then the application secrets of §7.1 and our second flight. */
  private processServerFinished(state: ExpectFinished, m: HandshakeMessage): void | Promise<void> {
    const { hs } = state;
    const kdf = hs.keys.kdf;
    const verifyData = decodeFinished(m.body, kdf.hashLength);
    const expected = kdf.finishedVerifyData(hs.serverHandshakeSecret, hs.transcript.hash());
    if (!constantTimeEqual(verifyData, expected)) fail("decrypt_error", "the server's Finished is wrong: the handshake was tampered with");
    hs.transcript.add(m.raw);

    const master = hs.keys.masterSecret();
    const app = master.applicationSecrets(hs.transcript.hash());
    this.logSecret(hs.random, "CLIENT_TRAFFIC_SECRET_0", app.client);
    this.logSecret(hs.random, "SERVER_TRAFFIC_SECRET_0", app.server);
    this.logSecret(hs.random, "EXPORTER_SECRET", app.exporter);
    // §4.4.4 / §5.1: from here the server may already send application data (0.5-RTT).
    this.io.setReadSecret(hs.suite, app.server, "application");
    this.step = idle("SendingSecondFlight");
    this.sendEndOfEarlyData(hs, state.params);

    const secrets: ApplicationSecrets = { master, client: app.client, server: app.server, exporter: app.exporter };
    const certificateSent = state.request ? this.sendClientCertificate(hs, state.request) : undefined;
    if (certificateSent) return certificateSent.then(() => this.sendClientFinished(state, secrets));
    this.sendClientFinished(state, secrets);
  }

  /** §4.5: EndOfEarlyData closes accepted 0-RTT data under the early key; then the handshake key takes over. */
  private sendEndOfEarlyData(hs: Negotiated, params: ServerParameters): void {
    if (params.earlyData === "accepted") {
      const endOfEarlyData = encodeHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
      hs.transcript.add(endOfEarlyData);
      this.io.sendHandshake(endOfEarlyData);
    }
    if (hs.writeKeyDeferred) this.io.setWriteSecret(hs.suite, hs.clientHandshakeSecret, "handshake");
  }

  /** §4.4.2, §4.4.3: our chain and CertificateVerify, or an empty Certificate (certificate.ts). */
  private sendClientCertificate(hs: Negotiated, request: ReceivedCertificateRequest): void | Promise<void> {
    const ahead = this.signedAhead;
    this.signedAhead = null;
    return sendCertificateFlight(this.config, request, hs.transcript, (m) => this.io.sendHandshake(m), this.options.serverName ?? null, ahead);
  }

  /** §4.4.4, then the connection moves to its post-handshake session (§4.6). */
  private sendClientFinished(state: ExpectFinished, secrets: ApplicationSecrets): void {
    const { hs, params, server } = state;
    const kdf = secrets.master.kdf;
    const finished = encodeFinished(kdf.finishedVerifyData(hs.clientHandshakeSecret, hs.transcript.hash()));
    hs.transcript.add(finished);
    this.io.sendHandshake(finished);
    this.io.setWriteSecret(hs.suite, secrets.client, "application");

    const result = this.handshakeResult(hs, params, server);
    const resumptionMasterSecret = secrets.master.resumptionMasterSecret(hs.transcript.hash());
    const init: PostHandshakeInit = {
      io: this.io,
      config: this.config,
      kdf,
      suite: hs.suite,
      role: "client",
      writeSecret: secrets.client,
      readSecret: secrets.server,
      exporterSecret: secrets.exporter,
      clientRandom: hs.random,
      postHandshakeAuth: { offered: this.options.postHandshakeAuth, transcript: hs.transcript.fork(), serverName: this.options.serverName },
    };
    // Tickets from a PSK-only handshake would carry no server certificate to re-check; we keep none,
    // nor without a store to keep them in. The session keeps only what a ticket needs, not the
    // handshake (its transcript, shares, states).
    const resumption = this.options.resumption;
    const post = resumption
      ? resumption.session(init, this.config, server.peer ? this.options.sessionStore : null, {
          kdf,
          resumptionMasterSecret,
          serverName: this.options.serverName,
          alpnProtocol: params.alpnProtocol,
          serverCertificates: server.peer?.chain ?? [],
        })
      : new PostHandshake(init);
    this.step = post.step;
    this.io.complete(result, post);
  }

  private handshakeResult(hs: Negotiated, params: ServerParameters, server: ServerAuthenticated): HandshakeResult {
    const external = hs.psk !== null && hs.psk.session === null;
    return {
      version: "TLSv1.3",
      cipherSuite: hs.suite.name,
      group: hs.group ?? "none (psk_ke)",
      alpnProtocol: params.alpnProtocol,
      helloRetry: hs.helloRetry,
      serverName: this.options.serverName,
      peerCertificates: server.peer?.chain ?? [],
      peerIdentity: server.peer?.identity ?? null,
      peerSignatureScheme: server.scheme?.name ?? null,
      resumed: hs.psk !== null && hs.psk.session !== null,
      earlyData: params.earlyData,
      pskIdentity: external && hs.psk && this.options.resumption ? this.options.resumption.identityText(hs.psk.identity) : null,
    };
  }

  private logSecret(random: Uint8Array, label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(random)} ${toHex(secret)}`);
  }
}

/** What processServerHello checked before the (EC)DHE secret, for the rest of the step. */
interface AcceptedServerHello {
  readonly suite: CipherSuite;
  readonly psk: OfferedSession | null;
  readonly certificatesWithPsk: boolean;
  /** The ServerHello as it enters the transcript. */
  readonly raw: Uint8Array;
}

/** Our key shares, one per group: all at once, or a Promise of all when any answers later. */
function generateKeyShares(operations: AsyncCryptoOperations, groups: readonly GroupName[]): MaybePromise<AsyncKeyShare[]> {
  const shares = groups.map((g) => operations.generateKeyShare(g));
  return shares.some(isPromise) ? Promise.all(shares) : (shares as AsyncKeyShare[]);
}

/** §7.1: what the server's Finished unlocks. */
interface ApplicationSecrets {
  readonly master: MasterSecret;
  readonly client: Uint8Array;
  readonly server: Uint8Array;
  readonly exporter: Uint8Array;
}
