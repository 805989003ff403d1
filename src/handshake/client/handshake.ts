import { bytesEqual, constantTimeEqual, fail, toHex } from "../../bytes/index.js";
import type { GroupName, KeyShare } from "../../crypto/provider.js";
import type { VerificationBudget } from "../../x509/index.js";
import { type CipherSuite, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, TLS12, cipherSuiteByCode, type SignatureScheme } from "../constants.js";
import type { ClientConfig, ResolvedConfig } from "../config.js";
import { checkExtensionsAllowed, decodeAlpn, findExtension } from "../extensions.js";
import type { HandshakeIO, HandshakeResult, Step } from "../handshake-io.js";
import { EarlySecret, SuiteKdf, type HandshakeSecret, type MasterSecret } from "../key-schedule.js";
import { type EarlyExporter, deriveEarlyExporter } from "../early-exporter.js";
import {
  type CertificateRequest,
  type HandshakeMessage,
  type ServerHello,
  decodeCertificateRequest,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeServerHello,
  encodeClientHello,
  encodeFinished,
  encodeHandshake,
} from "../messages.js";
import { sendCertificateFlight } from "./certificate.js";
import { clientHelloExtensions } from "./client-hello.js";

import { type ClientOptions, checkClientOptions } from "./options.js";
import {
  type ClientHelloSent,
  type HelloRetry,
  checkCertificatesWithPsk,
  checkHelloRetryRequest,
  checkServerHelloFields,
  checkServerVersion,
  serverKeyShareSecret,
} from "./server-hello.js";
import { type VerifiedPeer, verificationBudget } from "../peer-verification.js";
import { type CertificateAsked, type RequiredCertificate, checkPeerCertificate, checkPeerCertificateVerify } from "../peer-certificate.js";
import { Transcript } from "../transcript.js";
import { recordLimitsFromServer } from "../record-size-limit.js";
import {
  ClientSession,
  type OfferedSession,
  checkSelectedPsk,
  externalPskOffer,
  chooseSessionToOffer,
  fillBinder,
  storeNewSessionTicket,
} from "./resumption.js";
import { decodeSelectedIdentity } from "../psk.js";
import { decodeEarlyDataIndication } from "../early-data-indication.js";
import { pskIdentityText } from "../external-psk.js";

/**
 * The client side of the TLS 1.3 handshake (RFC 8446 §2, §4). Reading the methods top to bottom
 * follows the protocol: sendClientHello, processHelloRetryRequest, processServerHello,
 * processEncryptedExtensions, processCertificateRequest, processServerCertificate,
 * processServerCertificateVerify, processServerFinished, sendClientCertificate, sendClientFinished.
 */
export class ClientHandshake {
  step: Step;
  private readonly transcript: Transcript;
  private readonly options: ClientOptions;
  private random: Uint8Array = new Uint8Array(0);
  private legacySessionId: Uint8Array = new Uint8Array(0);
  private keyShares: KeyShare[] = [];
  private offeredExtensions = new Set<number>();
  private changeCipherSpecSent = false;
  private helloRetry: HelloRetry | null = null;
  private suite: CipherSuite | null = null;
  private group: GroupName | null = null;
  private handshakeStage: HandshakeSecret | null = null;
  private clientHandshakeSecret: Uint8Array = new Uint8Array(0);
  private serverHandshakeSecret: Uint8Array = new Uint8Array(0);
  private alpnProtocol: string | null = null;
  private certificateRequest: CertificateRequest | null = null;
  private server: VerifiedPeer | null = null;
  private serverScheme: SignatureScheme | null = null;
  /** What the server's certificates may cost us before it has authenticated (limits.maxVerificationCost). */
  private readonly verificationBudget: VerificationBudget;
  /** RFC 8773: whether the server combined our external PSK with certificates. */
  private certificatesWithPsk = false;
  /** The ticket offered in the ClientHello (§4.2.11), and whether the server accepted it. */
  private offeredSession: OfferedSession | null = null;
  private resumed = false;
  private clientHello1: Uint8Array | null = null;
  /** 0-RTT (§2.3): what became of the data to send. */
  private earlyData: "none" | "sent" | "accepted" | "rejected" = "none";
  /** While 0-RTT data is in flight the handshake write key waits until after the server's Finished (§4.5). */
  private handshakeWriteKeyDeferred = false;
  private helloRetryRequest: Uint8Array | null = null;
  private exporterSecret: Uint8Array = new Uint8Array(0);
  /** §7.1 early_exporter_master_secret of the PSK offered in the first ClientHello, if any. */
  private earlyExporter: EarlyExporter | null = null;

  constructor(
    private readonly config: ResolvedConfig,
    clientConfig: ClientConfig,
    private readonly io: HandshakeIO,
  ) {
    this.transcript = new Transcript(config.provider);
    this.verificationBudget = verificationBudget(config);
    this.options = checkClientOptions(config, clientConfig);
    this.step = { name: "Start", expects: [], handle: () => undefined };
  }

  /** RFC 8446 §4.1.2 */
  sendClientHello(): void {
    const provider = this.config.provider;
    this.random = provider.randomBytes(32);
    // §D.4: a non-empty session id asks middleboxes to treat this as a TLS 1.2 resumption.
    this.legacySessionId = this.options.middleboxCompat ? provider.randomBytes(32) : new Uint8Array(0);
    this.keyShares = this.options.keyShareGroups.map((g) => provider.generateKeyShare(g));
    const { externalPsk, pskModes, sessionStore } = this.options;
    this.offeredSession = externalPsk
      ? externalPskOffer(this.config, externalPsk, pskModes)
      : chooseSessionToOffer(this.config, sessionStore, this.options.serverName);
    const session = this.offeredSession?.session;
    const early = this.options.earlyData;
    if (early && session && session.maxEarlyData >= early.length) this.earlyData = "sent";
    this.writeClientHello(false);
    this.offerEarlyExporter();
    this.step = { name: "ExpectServerHello", expects: [HandshakeType.server_hello], handle: (m) => this.processServerHelloOrRetry(m) };
  }

  /** §7.1: the early exporter of the (only, so first) PSK we offer; the one 0-RTT data would use. */
  private offerEarlyExporter(): void {
    const offer = this.offeredSession;
    if (!offer) return;
    this.earlyExporter = deriveEarlyExporter(this.config.provider, offer.suite, offer.psk, this.clientHello1!);
    this.io.setEarlyExporter(this.earlyExporter);
  }

  /**
   * §2.3, §7.1: 0-RTT data right after the ClientHello (and the §D.4 change_cipher_spec), under
   * client_early_traffic_secret from the ticket's PSK and suite.
   */
  sendEarlyData(): void {
    if (this.earlyData !== "sent") return;
    const data = this.options.earlyData!;
    const session = this.offeredSession!.session!;
    const suite = cipherSuiteByCode(session.cipherSuite)!;
    const early = new EarlySecret(new SuiteKdf(this.config.provider, suite), session.psk);
    const secret = early.clientEarlyTrafficSecret(this.config.provider.hash(suite.hash, this.clientHello1!));
    this.logSecret("CLIENT_EARLY_TRAFFIC_SECRET", secret);
    // As OpenSSL does: the early exporter secret is logged when 0-RTT data is sent.
    if (this.earlyExporter) this.logSecret("EARLY_EXPORTER_SECRET", this.earlyExporter.secret);
    this.sendChangeCipherSpecOnce();
    this.io.setWriteSecret(suite, secret, "early");
    this.io.sendEarlyData(data);
    this.handshakeWriteKeyDeferred = true;
  }

  private writeClientHello(retry: boolean): void {
    const extensions = clientHelloExtensions(
      this.config,
      {
        earlyData: this.earlyData === "sent",
        sniName: this.options.sniName,
        keyShares: this.keyShares,
        pskWithCertificates: this.options.pskWithCertificates,
        postHandshakeAuth: this.options.postHandshakeAuth,
        cookie: this.helloRetry?.cookie ?? null,
        psk: this.offeredSession,
      },
      retry,
    );
    this.offeredExtensions = new Set(extensions.map((e) => e.type));
    const message = encodeClientHello({
      legacyVersion: TLS12,
      random: this.random,
      legacySessionId: this.legacySessionId,
      cipherSuites: this.config.cipherSuites.map((s) => s.code),
      legacyCompressionMethods: new Uint8Array([0]),
      extensions,
    });
    if (this.offeredSession) {
      const retryMessages = this.helloRetryRequest ? { clientHello1: this.clientHello1!, helloRetryRequest: this.helloRetryRequest } : null;
      fillBinder(this.config, this.offeredSession, message, retryMessages);
    }
    if (!retry) this.clientHello1 = message;
    this.transcript.add(message);
    this.io.sendHandshake(message);
  }

  private processServerHelloOrRetry(m: HandshakeMessage): void {
    const hello = decodeServerHello(m.body);
    checkServerVersion(hello);
    if (bytesEqual(hello.random, HELLO_RETRY_REQUEST_RANDOM)) this.processHelloRetryRequest(hello, m);
    else this.processServerHello(hello, m);
  }

  /** What the ClientHello the server answers offered (§4.1.3: it may select nothing else). */
  private get sent(): ClientHelloSent {
    return { legacySessionId: this.legacySessionId, cipherSuites: this.config.cipherSuites, extensions: this.offeredExtensions };
  }

  /** §4.1.4 */
  private processHelloRetryRequest(hello: ServerHello, m: HandshakeMessage): void {
    if (this.helloRetry) fail("unexpected_message", "the server sent a second HelloRetryRequest");
    const suite = checkServerHelloFields(hello, "HelloRetryRequest", this.sent);
    const retry = checkHelloRetryRequest(
      hello.extensions,
      suite,
      this.config.groups,
      this.keyShares.map((k) => k.group),
    );
    this.helloRetry = retry;
    this.helloRetryRequest = m.raw;
    // The server selects a PSK only in the second ClientHello, whose early secret differs from the
    // first one's (§7.1): no early exporter both ends agree on is left.
    this.earlyExporter = null;
    this.io.setEarlyExporter(null);
    // §4.2.10: a HelloRetryRequest rejects 0-RTT; the second ClientHello goes in plaintext again.
    if (this.earlyData === "sent") {
      this.earlyData = "rejected";
      this.handshakeWriteKeyDeferred = false;
      this.io.resetWriteProtection();
    }
    // §4.1.4: the second ClientHello may keep the PSK only if its hash matches the suite chosen.
    if (this.offeredSession && this.offeredSession.suite.hash !== suite.hash) this.offeredSession = null;

    this.transcript.replaceWithMessageHash(suite.hash);
    this.transcript.add(m.raw);
    if (retry.group) this.keyShares = [this.config.provider.generateKeyShare(retry.group)];
    this.sendChangeCipherSpecOnce();
    this.writeClientHello(true);
    this.step = { name: "ExpectServerHello", expects: [HandshakeType.server_hello], handle: (msg) => this.processServerHelloAfterRetry(msg) };
  }

  private processServerHelloAfterRetry(m: HandshakeMessage): void {
    const hello = decodeServerHello(m.body);
    checkServerVersion(hello);
    if (bytesEqual(hello.random, HELLO_RETRY_REQUEST_RANDOM)) fail("unexpected_message", "the server sent a second HelloRetryRequest");
    this.processServerHello(hello, m);
  }

  /** §4.1.3, then §7.1 handshake keys. */
  private processServerHello(hello: ServerHello, m: HandshakeMessage): void {
    const suite = checkServerHelloFields(hello, "ServerHello", this.sent);
    if (this.helloRetry && this.helloRetry.suite !== suite) {
      fail("illegal_parameter", "ServerHello changed the cipher suite chosen in the HelloRetryRequest");
    }
    const selectedPsk = findExtension(hello.extensions, ExtensionType.pre_shared_key);
    if (selectedPsk !== undefined) {
      const offer = checkSelectedPsk(this.offeredSession, decodeSelectedIdentity(selectedPsk), suite);
      this.resumed = true;
      this.server = offer.server;
    }
    this.certificatesWithPsk = checkCertificatesWithPsk(hello.extensions, this.options.pskWithCertificates, this.resumed);
    const { sharedSecret, group } = serverKeyShareSecret(hello.extensions, this.keyShares, suite, this.resumed ? this.offeredSession!.modes : null);
    this.group = group;
    this.suite = suite;
    this.transcript.selectHash(suite.hash);
    this.transcript.add(m.raw);
    this.establishHandshakeKeys(sharedSecret);
    this.step = {
      name: "ExpectEncryptedExtensions",
      expects: [HandshakeType.encrypted_extensions],
      handle: (msg) => this.processEncryptedExtensions(msg),
    };
  }

  private establishHandshakeKeys(sharedSecret: Uint8Array): void {
    const suite = this.suite!;
    const early = new EarlySecret(new SuiteKdf(this.config.provider, suite), this.resumed ? this.offeredSession!.psk : undefined);
    const handshakeStage = early.handshakeSecret(sharedSecret);
    this.handshakeStage = handshakeStage;
    const secrets = handshakeStage.trafficSecrets(this.transcript.hash());
    this.clientHandshakeSecret = secrets.client;
    this.serverHandshakeSecret = secrets.server;
    this.logSecret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", secrets.client);
    this.logSecret("SERVER_HANDSHAKE_TRAFFIC_SECRET", secrets.server);
    this.io.setReadSecret(suite, secrets.server, "handshake");
    // §D.4: the dummy change_cipher_spec goes before our first encrypted record.
    this.sendChangeCipherSpecOnce();
    if (!this.handshakeWriteKeyDeferred) this.io.setWriteSecret(suite, secrets.client, "handshake");
  }

  private sendChangeCipherSpecOnce(): void {
    if (this.options.middleboxCompat && !this.changeCipherSpecSent) {
      this.changeCipherSpecSent = true;
      this.io.sendChangeCipherSpec();
    }
  }

  /** §4.3.1 */
  private processEncryptedExtensions(m: HandshakeMessage): void {
    const extensions = decodeEncryptedExtensions(m.body);
    checkExtensionsAllowed("encrypted_extensions", extensions, this.offeredExtensions, "EncryptedExtensions");
    const sni = findExtension(extensions, ExtensionType.server_name);
    if (sni !== undefined && sni.length !== 0) fail("decode_error", "the server's server_name acknowledgement must be empty");
    const earlyAccepted = findExtension(extensions, ExtensionType.early_data);
    if (earlyAccepted !== undefined) {
      decodeEarlyDataIndication(earlyAccepted, "encrypted_extensions");
      // §4.2.10: accepting 0-RTT requires the first PSK and the ticket's own cipher suite.
      if (!this.resumed || this.suite!.code !== this.offeredSession!.session!.cipherSuite) {
        fail("illegal_parameter", "the server accepted early data without resuming the ticket it was sent under");
      }
      this.earlyData = "accepted";
    } else if (this.earlyData === "sent") {
      this.earlyData = "rejected";
    }
    const alpn = findExtension(extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpn !== undefined) {
      const chosen = decodeAlpn(alpn);
      // RFC 7301 §3.1: exactly one protocol, one we offered.
      if (chosen.length !== 1 || !this.config.alpnProtocols.includes(chosen[0])) {
        fail("illegal_parameter", `the server selected ALPN protocol "${chosen.join(",")}", which we did not offer`);
      }
      this.alpnProtocol = chosen[0];
    }
    this.io.setRecordLimits(recordLimitsFromServer(extensions, this.config.recordSizeLimit));
    this.transcript.add(m.raw);
    // §2.2: a PSK handshake authenticates by the PSK; Certificate and CertificateRequest are not sent,
    // unless the server combined an external PSK with certificates (RFC 8773).
    if (this.resumed && !this.certificatesWithPsk) {
      this.step = { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (msg) => this.processServerFinished(msg) };
      return;
    }
    this.step = {
      name: "ExpectCertificateOrCertificateRequest",
      expects: [HandshakeType.certificate_request, HandshakeType.certificate],
      handle: (msg) => (msg.type === HandshakeType.certificate_request ? this.processCertificateRequest(msg) : this.processServerCertificate(msg)),
    };
  }

  /** §4.3.2 */
  private processCertificateRequest(m: HandshakeMessage): void {
    const request = decodeCertificateRequest(m.body);
    checkExtensionsAllowed("certificate_request", request.extensions, null, "CertificateRequest");
    // §4.3.2: the context is empty except in post-handshake authentication.
    if (request.certificateRequestContext.length !== 0) {
      fail("illegal_parameter", "CertificateRequest during the handshake must have an empty context");
    }
    if (findExtension(request.extensions, ExtensionType.signature_algorithms) === undefined) {
      fail("missing_extension", "CertificateRequest lacks signature_algorithms");
    }
    this.certificateRequest = request;
    this.transcript.add(m.raw);
    this.step = { name: "ExpectCertificate", expects: [HandshakeType.certificate], handle: (msg) => this.processServerCertificate(msg) };
  }

  /** §4.4.2, §4.4.2.4: the server's Certificate answers our ClientHello (peer-certificate.ts). */
  private processServerCertificate(m: HandshakeMessage): void {
    const asked: RequiredCertificate = {
      peerRole: "server",
      context: new Uint8Array(0),
      offeredExtensions: this.offeredExtensions,
      required: true,
      serverName: this.options.serverName,
      budget: this.verificationBudget,
    };
    const server = checkPeerCertificate(this.config, m.body, asked);
    this.server = server;
    this.transcript.add(m.raw);
    this.step = {
      name: "ExpectCertificateVerify",
      expects: [HandshakeType.certificate_verify],
      handle: (msg) => this.processServerCertificateVerify(msg, asked, server),
    };
  }

  /** §4.4.3 */
  private processServerCertificateVerify(m: HandshakeMessage, asked: CertificateAsked, server: VerifiedPeer): void {
    this.serverScheme = checkPeerCertificateVerify(this.config, m.body, asked, server, this.transcript.hash());
    this.transcript.add(m.raw);
    this.step = { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (msg) => this.processServerFinished(msg) };
  }

  /** §4.4.4, then the application secrets of §7.1 and our second flight. */
  private processServerFinished(m: HandshakeMessage): void | Promise<void> {
    const handshakeStage = this.handshakeStage!;
    const kdf = handshakeStage.kdf;
    const verifyData = decodeFinished(m.body, kdf.hashLength);
    const expected = kdf.finishedVerifyData(this.serverHandshakeSecret, this.transcript.hash());
    if (!constantTimeEqual(verifyData, expected)) fail("decrypt_error", "the server's Finished is wrong: the handshake was tampered with");
    this.transcript.add(m.raw);

    const master = handshakeStage.masterSecret();
    const app = master.applicationSecrets(this.transcript.hash());
    this.logSecret("CLIENT_TRAFFIC_SECRET_0", app.client);
    this.logSecret("SERVER_TRAFFIC_SECRET_0", app.server);
    this.logSecret("EXPORTER_SECRET", app.exporter);
    this.exporterSecret = app.exporter;
    // §4.4.4 / §5.1: from here the server may already send application data (0.5-RTT).
    this.io.setReadSecret(this.suite!, app.server, "application");
    this.step = { name: "SendingSecondFlight", expects: [], handle: () => undefined };
    this.sendEndOfEarlyData();

    const certificateSent = this.certificateRequest ? this.sendClientCertificate() : undefined;
    if (certificateSent) return certificateSent.then(() => this.sendClientFinished(master, app.client, app.server));
    this.sendClientFinished(master, app.client, app.server);
  }

  /** §4.5: EndOfEarlyData closes accepted 0-RTT data under the early key; then the handshake key takes over. */
  private sendEndOfEarlyData(): void {
    if (this.earlyData === "accepted") {
      const endOfEarlyData = encodeHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
      this.transcript.add(endOfEarlyData);
      this.io.sendHandshake(endOfEarlyData);
    }
    if (this.handshakeWriteKeyDeferred) {
      this.handshakeWriteKeyDeferred = false;
      this.io.setWriteSecret(this.suite!, this.clientHandshakeSecret, "handshake");
    }
  }

  /** §4.4.2, §4.4.3: our chain and CertificateVerify, or an empty Certificate (certificate.ts). */
  private sendClientCertificate(): void | Promise<void> {
    return sendCertificateFlight(this.config, this.certificateRequest!, this.transcript, (m) => this.io.sendHandshake(m));
  }

  /** §4.4.4 */
  private sendClientFinished(master: MasterSecret, clientApplicationSecret: Uint8Array, serverApplicationSecret: Uint8Array): void {
    const kdf = master.kdf;
    const finished = encodeFinished(kdf.finishedVerifyData(this.clientHandshakeSecret, this.transcript.hash()));
    this.transcript.add(finished);
    this.io.sendHandshake(finished);
    this.io.setWriteSecret(this.suite!, clientApplicationSecret, "application");

    const result: HandshakeResult = {
      version: "TLSv1.3",
      cipherSuite: this.suite!.name,
      group: this.group ?? "none (psk_ke)",
      alpnProtocol: this.alpnProtocol,
      helloRetry: this.helloRetry !== null,
      serverName: this.options.serverName,
      peerCertificates: this.server?.chain ?? [],
      peerIdentity: this.server?.identity ?? null,
      peerSignatureScheme: this.serverScheme?.name ?? null,
      resumed: this.resumed && this.offeredSession!.session !== null,
      earlyData: this.earlyData === "sent" ? "rejected" : this.earlyData,
      pskIdentity: this.resumed && this.offeredSession!.session === null ? pskIdentityText(this.offeredSession!.identity) : null,
    };
    const resumptionMasterSecret = master.resumptionMasterSecret(this.transcript.hash());
    const post = new ClientSession(
      {
        io: this.io,
        config: this.config,
        kdf,
        suite: this.suite!,
        role: "client",
        writeSecret: clientApplicationSecret,
        readSecret: serverApplicationSecret,
        exporterSecret: this.exporterSecret,
        clientRandom: this.random,
        postHandshakeAuth: { offered: this.options.postHandshakeAuth, transcript: this.transcript.fork(), serverName: this.options.serverName },
      },
      (m) => this.processNewSessionTicket(m, kdf, resumptionMasterSecret),
    );
    this.step = post.step;
    this.io.complete(result, post);
  }

  /** §4.6.1: a NewSessionTicket becomes a stored session, with what this handshake proved about the server. */
  private processNewSessionTicket(m: HandshakeMessage, kdf: SuiteKdf, resumptionMasterSecret: Uint8Array): void {
    // Tickets from a PSK-only handshake would carry no server certificate to re-check; we keep none.
    if (this.server === null) return;
    storeNewSessionTicket(this.config, this.options.sessionStore, m.body, {
      kdf,
      resumptionMasterSecret,
      serverName: this.options.serverName,
      alpnProtocol: this.alpnProtocol,
      serverCertificates: this.server!.chain,
    });
  }

  private logSecret(label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(this.random)} ${toHex(secret)}`);
  }
}
