import { constantTimeEqual, fail, toHex } from "../../bytes/index.js";
import { answerKeyShare } from "../../crypto/key-exchange.js";
import type { VerificationBudget } from "../../x509/index.js";
import { type CipherSuite, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, TLS12, TLS13, groupCode, type SignatureScheme } from "../constants.js";
import type { GroupName } from "../../crypto/provider.js";
import type { ClientAuthMode, Credentials, ResolvedConfig, ServerConfig } from "../config.js";
import { certificateVerifyContent } from "../certificate-verify.js";
import {
  type Extension,
  checkExtensionsAllowed,
  encodeAlpn,
  encodeCertificateAuthorities,
  encodeCookie,
  encodeKeyShareHelloRetry,
  encodeKeyShareServer,
  encodeSupportedVersionsServer,
  encodeU16List,
  findExtension,
} from "../extensions.js";
import type { HandshakeIO, HandshakeResult, Step } from "../handshake-io.js";
import { EarlySecret, SuiteKdf, type HandshakeSecret, type MasterSecret } from "../key-schedule.js";
import { type EarlyExporter, deriveEarlyExporter } from "../early-exporter.js";
import {
  type ClientHello,
  type HandshakeMessage,
  decodeClientHello,
  decodeFinished,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeServerHello,
} from "../messages.js";
import { type VerifiedPeer, verificationBudget } from "../peer-verification.js";
import { type CertificateAsked, checkPeerCertificate, checkPeerCertificateVerify } from "../peer-certificate.js";
import { PostHandshake } from "../post-handshake.js";
import { type RecordLimits, negotiateRecordLimitsAsServer } from "../record-size-limit.js";
import { Transcript } from "../transcript.js";
import { type AcceptedResumption, newSessionTickets, selectResumption } from "./resumption.js";
import { checkServerOptions } from "./options.js";
import { PskKeyExchangeMode, encodeSelectedIdentity } from "../psk.js";
import { acceptEarlyData, maxEarlyDataOf, rejectedEarlyDataLimit } from "./early-data.js";
import {
  type HelloRetryChoice,
  type Negotiated,
  checkClientHello,
  checkSecondClientHello,
  negotiate,
  negotiateGroup,
  negotiateSignatureScheme,
} from "./negotiation.js";

/**
 * The server side of the TLS 1.3 handshake (RFC 8446 §2, §4), in protocol order:
 * processClientHello, sendHelloRetryRequest, sendServerHello, sendEncryptedExtensions,
 * sendCertificateRequest, sendServerCertificate, sendServerCertificateVerify, sendServerFinished,
 * processClientCertificate, processClientCertificateVerify, processClientFinished.
 */
export class ServerHandshake {
  step: Step;
  private readonly transcript: Transcript;
  private readonly clientAuth: ClientAuthMode;
  private readonly credentials: Credentials | null;
  private readonly advertiseCertificateAuthorities: boolean;
  private firstHello: ClientHello | null = null;
  private helloRetry: HelloRetryChoice | null = null;
  private changeCipherSpecSent = false;
  private negotiated: Negotiated | null = null;
  private handshakeStage: HandshakeSecret | null = null;
  private masterStage: MasterSecret | null = null;
  private clientRandom: Uint8Array = new Uint8Array(0);
  private clientHandshakeSecret: Uint8Array = new Uint8Array(0);
  private serverHandshakeSecret: Uint8Array = new Uint8Array(0);
  private serverApplicationSecret: Uint8Array = new Uint8Array(0);
  private clientApplicationSecret: Uint8Array = new Uint8Array(0);
  private client: VerifiedPeer | null = null;
  /** What our CertificateRequest asked the client for (§4.3.2), when we sent one. */
  private clientCertificateAsked: CertificateAsked | null = null;
  private clientScheme: SignatureScheme | null = null;
  /** What the client's certificates may cost us before it has authenticated (limits.maxVerificationCost). */
  private readonly verificationBudget: VerificationBudget;
  /** The ticket accepted from the ClientHello (§4.2.11), if this handshake resumes. */
  private resumption: AcceptedResumption | null = null;
  private earlyDataAccepted = false;
  private clientEarlySecret: Uint8Array = new Uint8Array(0);
  private lastClientHello: Uint8Array = new Uint8Array(0);
  private clientHello1: Uint8Array | null = null;
  private helloRetryRequest: Uint8Array | null = null;
  private exporterSecret: Uint8Array = new Uint8Array(0);
  /** §7.1 early_exporter_master_secret of the PSK we selected, if any. */
  private earlyExporter: EarlyExporter | null = null;
  /** RFC 8449 / RFC 6066 outcome and the EncryptedExtensions entry that answers the client. */
  private recordLimits: { limits: RecordLimits; answer: Extension | null } | null = null;
  private clientOffersPostHandshakeAuth = false;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly serverConfig: ServerConfig,
    private readonly io: HandshakeIO,
  ) {
    this.transcript = new Transcript(config.provider);
    this.verificationBudget = verificationBudget(config);
    const options = checkServerOptions(config, serverConfig);
    this.clientAuth = options.clientAuth;
    this.advertiseCertificateAuthorities = options.advertiseCertificateAuthorities;
    this.credentials = config.credentials;
    this.step = { name: "ExpectClientHello", expects: [HandshakeType.client_hello], handle: (m) => this.processClientHello(m) };
  }

  /**
   * A resumption or a plain external PSK authenticates the handshake by itself (§2.2); an
   * external PSK combined with certificates (RFC 8773) still exchanges them.
   */
  private get authenticatedByPskAlone(): boolean {
    return this.resumption !== null && !this.resumption.withCertificates;
  }

  /** §4.1.2 and the negotiation of §4.1.1. */
  private processClientHello(m: HandshakeMessage): void | Promise<void> {
    const hello = decodeClientHello(m.body);
    checkExtensionsAllowed("client_hello", hello.extensions, null, "ClientHello");
    checkClientHello(hello);
    if (this.helloRetry) checkSecondClientHello(this.firstHello!, hello, this.helloRetry);
    else this.firstHello = hello;
    this.clientRandom = hello.random;

    const beforePsk = negotiate(this.config, this.serverConfig, hello, this.helloRetry);
    this.transcript.add(m.raw);
    this.lastClientHello = m.raw;
    this.resumption = selectResumption(
      {
        config: this.config,
        serverConfig: this.serverConfig,
        suite: beforePsk.suite,
        serverName: beforePsk.serverName,
        clientAuth: this.clientAuth,
        clientHello: m.raw,
        retry: this.helloRetryRequest ? { clientHello1: this.clientHello1!, helloRetryRequest: this.helloRetryRequest } : null,
      },
      hello.extensions,
    );
    // §4.2.9: psk_ke keys the handshake with the PSK alone: no group, and no key share needed.
    const { offeredGroups, ...chosen } = beforePsk;
    const exchange = this.resumption?.mode === PskKeyExchangeMode.psk_ke ? null : negotiateGroup(this.config, offeredGroups, this.helloRetry);
    if (exchange !== null && !exchange.clientShare) {
      // A missing share costs a HelloRetryRequest (§4.1.4).
      // §4.2.10: 0-RTT sent with this ClientHello is rejected by the retry and skipped.
      if (findExtension(hello.extensions, ExtensionType.early_data) !== undefined) {
        this.io.skipEarlyData(rejectedEarlyDataLimit(this.serverConfig, this.resumption?.state ?? null));
      }
      this.resumption = null;
      this.clientHello1 = m.raw;
      return this.sendHelloRetryRequest(hello, chosen.suite, exchange.group);
    }
    const negotiated: Negotiated = { ...chosen, group: exchange?.group ?? null, clientShare: exchange?.clientShare };
    const scheme = this.authenticatedByPskAlone ? null : negotiateSignatureScheme(this.credentials, hello);
    this.negotiated = negotiated;
    this.offerEarlyExporter(negotiated);
    this.earlyDataAccepted = this.decideEarlyData(hello, negotiated);
    this.recordLimits = negotiateRecordLimitsAsServer(hello.extensions, this.config.recordSizeLimit);
    this.clientOffersPostHandshakeAuth = findExtension(hello.extensions, ExtensionType.post_handshake_auth) !== undefined;

    this.sendServerHello(hello, negotiated);
    this.sendEncryptedExtensions(negotiated);
    // §2.2: a PSK handshake is authenticated by the PSK: no certificates, no CertificateRequest (§4.3.2).
    // RFC 8773 lifts that for an external PSK combined with certificates: the full flight follows.
    if (this.authenticatedByPskAlone) {
      this.sendServerFinished();
      if (this.earlyDataAccepted) this.expectEndOfEarlyData();
      return;
    }
    if (this.clientAuth !== "none") this.sendCertificateRequest(negotiated);
    this.sendServerCertificate();
    const signed = this.sendServerCertificateVerify(scheme!);
    if (signed) return signed.then(() => this.sendServerFinished());
    this.sendServerFinished();
  }

  /** §4.1.4 */
  private sendHelloRetryRequest(hello: ClientHello, suite: CipherSuite, group: GroupName): void {
    if (this.helloRetry) fail("illegal_parameter", `the second ClientHello still has no key share for ${group}`);
    const cookie = this.config.testHooks.helloRetryCookie?.() ?? this.config.provider.randomBytes(32);
    this.helloRetry = { suite: suite, group: group, cookie };
    this.transcript.replaceWithMessageHash(suite.hash);
    const retry = encodeServerHello({
      legacyVersion: TLS12,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        { type: ExtensionType.key_share, data: encodeKeyShareHelloRetry(groupCode(group)) },
        { type: ExtensionType.cookie, data: encodeCookie(cookie) },
        { type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(TLS13) },
      ],
    });
    this.transcript.add(retry);
    this.helloRetryRequest = retry;
    this.io.sendHandshake(retry);
    this.sendChangeCipherSpecOnce(hello);
    this.step = { name: "ExpectSecondClientHello", expects: [HandshakeType.client_hello], handle: (m) => this.processClientHello(m) };
  }

  /** §D.4: a client that sent a session id wants the dummy change_cipher_spec after our first message. */
  private sendChangeCipherSpecOnce(hello: ClientHello): void {
    if (hello.legacySessionId.length > 0 && !this.changeCipherSpecSent) {
      this.changeCipherSpecSent = true;
      this.io.sendChangeCipherSpec();
    }
  }

  /** §4.1.3, then the handshake keys of §7.1. */
  private sendServerHello(hello: ClientHello, n: Negotiated): void {
    const provider = this.config.provider;
    // §4.2.9: psk_ke uses the PSK alone; the (EC)DHE input to the key schedule is then zeros (§7.1).
    const dhe = n.group !== null;
    // §4.2.8: our share answers the client's (for a KEM group it is an encapsulation to it).
    const share = n.group !== null ? answerKeyShare(provider, n.group, n.clientShare!.keyExchange) : null;
    if (dhe && !share) fail("illegal_parameter", `the client's ${n.group} key share is malformed or not a valid public key`);
    const sharedSecret = share ? share.sharedSecret : new Uint8Array(n.suite.hash === "SHA-384" ? 48 : 32);
    const serverHello = encodeServerHello({
      legacyVersion: TLS12,
      random: provider.randomBytes(32),
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: n.suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        ...(share && n.group !== null
          ? [{ type: ExtensionType.key_share, data: encodeKeyShareServer({ group: groupCode(n.group), keyExchange: share.publicKey }) }]
          : []),
        { type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(TLS13) },
        ...(this.resumption ? [{ type: ExtensionType.pre_shared_key, data: encodeSelectedIdentity(this.resumption.selectedIdentity) }] : []),
        // RFC 8773: the empty extension says we combine the external PSK with certificates.
        ...(this.resumption?.withCertificates ? [{ type: ExtensionType.tls_cert_with_extern_psk, data: new Uint8Array(0) }] : []),
      ],
    });
    this.transcript.selectHash(n.suite.hash);
    this.transcript.add(serverHello);
    this.io.sendHandshake(serverHello);
    this.sendChangeCipherSpecOnce(hello);

    const early = new EarlySecret(new SuiteKdf(provider, n.suite), this.resumption?.psk);
    const handshakeStage = early.handshakeSecret(sharedSecret);
    this.handshakeStage = handshakeStage;
    const secrets = handshakeStage.trafficSecrets(this.transcript.hash());
    this.clientHandshakeSecret = secrets.client;
    this.serverHandshakeSecret = secrets.server;
    this.logSecret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", secrets.client);
    this.logSecret("SERVER_HANDSHAKE_TRAFFIC_SECRET", secrets.server);
    this.io.setWriteSecret(n.suite, secrets.server, "handshake");
    if (this.earlyDataAccepted) {
      // §2.3: the client's 0-RTT records, then its EndOfEarlyData, come under the early traffic key.
      this.io.setReadSecret(n.suite, this.clientEarlySecret, "early");
      this.io.acceptEarlyData(maxEarlyDataOf(this.serverConfig));
    } else {
      this.io.setReadSecret(n.suite, secrets.client, "handshake");
    }
  }

  /**
   * §7.1: the early exporter of the PSK we selected, over this ClientHello. Not after a
   * HelloRetryRequest: the client's early exporter comes from its first ClientHello.
   */
  private offerEarlyExporter(n: Negotiated): void {
    if (!this.resumption || this.helloRetry) return;
    this.earlyExporter = deriveEarlyExporter(this.config.provider, n.suite, this.resumption.psk, this.lastClientHello);
    this.io.setEarlyExporter(this.earlyExporter);
  }

  /**
   * §4.2.10: accept the client's 0-RTT data or have the connection skip it. Accepting needs a
   * resumed ticket that allows it and passes the replay and freshness checks of early-data.ts.
   */
  private decideEarlyData(hello: ClientHello, n: Negotiated): boolean {
    if (findExtension(hello.extensions, ExtensionType.early_data) === undefined) return false;
    const r = this.resumption;
    const accepted =
      r !== null &&
      r.state !== null &&
      acceptEarlyData({
        config: this.serverConfig,
        provider: this.config.provider,
        state: r.state,
        ticket: r.identity,
        selectedIdentity: r.selectedIdentity,
        suiteCode: n.suite.code,
        alpnProtocol: n.alpnProtocol,
        ageSkew: r.ageSkew,
        afterRetry: this.helloRetry !== null,
        now: this.config.now().getTime(),
      });
    if (!accepted) {
      this.io.skipEarlyData(rejectedEarlyDataLimit(this.serverConfig, r?.state ?? null));
      return false;
    }
    const early = new EarlySecret(new SuiteKdf(this.config.provider, n.suite), r!.psk);
    this.clientEarlySecret = early.clientEarlyTrafficSecret(this.config.provider.hash(n.suite.hash, this.lastClientHello));
    this.logSecret("CLIENT_EARLY_TRAFFIC_SECRET", this.clientEarlySecret);
    // As OpenSSL does: the early exporter secret is logged when 0-RTT data is accepted.
    if (this.earlyExporter) this.logSecret("EARLY_EXPORTER_SECRET", this.earlyExporter.secret);
    return true;
  }

  /** §4.5: after our Finished the client ends its 0-RTT data with EndOfEarlyData, then uses its handshake key. */
  private expectEndOfEarlyData(): void {
    const next = this.step;
    this.step = {
      name: "ExpectEndOfEarlyData",
      expects: [HandshakeType.end_of_early_data],
      handle: (m) => {
        if (m.body.length !== 0) fail("decode_error", "EndOfEarlyData must be empty");
        this.transcript.add(m.raw);
        this.io.setReadSecret(this.negotiated!.suite, this.clientHandshakeSecret, "handshake");
        this.step = next;
      },
    };
  }

  /** §4.3.1 */
  private sendEncryptedExtensions(n: Negotiated): void {
    let extensions: Extension[] = [];
    // RFC 6066 §3: acknowledge the SNI we received with an empty server_name.
    if (n.serverName !== null) extensions.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    // §4.2.10: an empty early_data extension says the 0-RTT data was accepted.
    if (this.earlyDataAccepted) extensions.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    if (n.alpnProtocol !== null) {
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([n.alpnProtocol]) });
    }
    if (this.recordLimits?.answer) extensions.push(this.recordLimits.answer);
    const hook = this.config.testHooks.extensions;
    if (hook) extensions = hook("encrypted_extensions", extensions, this.helloRetry !== null);
    // Our records from EncryptedExtensions on obey the client's limit (RFC 8449 §4).
    if (this.recordLimits) this.io.setRecordLimits(this.recordLimits.limits);
    this.send(encodeEncryptedExtensions(extensions));
  }

  /** §4.3.2 */
  private sendCertificateRequest(n: Negotiated): void {
    let extensions: Extension[] = [{ type: ExtensionType.signature_algorithms, data: encodeU16List(this.config.acceptedSchemes.map((s) => s.code)) }];
    if (this.advertiseCertificateAuthorities && this.config.trustAnchors.length > 0) {
      extensions.push({
        type: ExtensionType.certificate_authorities,
        data: encodeCertificateAuthorities(this.config.trustAnchors.map((a) => a.subject.der)),
      });
    }
    const hook = this.config.testHooks.extensions;
    if (hook) extensions = hook("certificate_request", extensions, this.helloRetry !== null);
    const certificateRequestContext = new Uint8Array(0);
    this.send(encodeCertificateRequest({ certificateRequestContext, extensions }));
    this.clientCertificateAsked = {
      peerRole: "client",
      context: certificateRequestContext,
      offeredExtensions: new Set(extensions.map((e) => e.type)),
      required: this.clientAuth === "require",
      serverName: n.serverName,
      budget: this.verificationBudget,
    };
  }

  /** §4.4.2 */
  private sendServerCertificate(): void {
    this.send(
      encodeCertificate({
        certificateRequestContext: new Uint8Array(0),
        certificateList: this.credentials!.chain.map((certData) => ({ certData, extensions: [] })),
      }),
    );
  }

  /** §4.4.3; the signer may be asynchronous. */
  private sendServerCertificateVerify(scheme: SignatureScheme): void | Promise<void> {
    const content = certificateVerifyContent("server", this.transcript.hash());
    const signature = this.credentials!.signer.sign(scheme.name, content);
    const send = (sig: Uint8Array): void => this.send(encodeCertificateVerify({ algorithm: scheme.code, signature: sig }));
    if (signature instanceof Uint8Array) return send(signature);
    this.step = { name: "Signing", expects: [], handle: () => undefined };
    return Promise.resolve(signature).then(send);
  }

  /** §4.4.4, then the application secrets of §7.1. */
  private sendServerFinished(): void {
    const handshakeStage = this.handshakeStage!;
    const n = this.negotiated!;
    this.send(encodeFinished(handshakeStage.kdf.finishedVerifyData(this.serverHandshakeSecret, this.transcript.hash())));
    const master = handshakeStage.masterSecret();
    this.masterStage = master;
    const app = master.applicationSecrets(this.transcript.hash());
    this.clientApplicationSecret = app.client;
    this.serverApplicationSecret = app.server;
    this.logSecret("CLIENT_TRAFFIC_SECRET_0", app.client);
    this.logSecret("SERVER_TRAFFIC_SECRET_0", app.server);
    this.logSecret("EXPORTER_SECRET", app.exporter);
    this.exporterSecret = app.exporter;
    this.io.setWriteSecret(n.suite, app.server, "application");
    const asked = this.clientCertificateAsked;
    this.step =
      asked === null
        ? { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (m) => this.processClientFinished(m) }
        : { name: "ExpectCertificate", expects: [HandshakeType.certificate], handle: (m) => this.processClientCertificate(m, asked) };
  }

  /** §4.4.2, §4.4.2.4: the client's Certificate answers our CertificateRequest (peer-certificate.ts). */
  private processClientCertificate(m: HandshakeMessage, asked: CertificateAsked): void {
    const client = checkPeerCertificate(this.config, m.body, asked);
    this.transcript.add(m.raw);
    if (client === null) {
      this.step = { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (msg) => this.processClientFinished(msg) };
      return;
    }
    this.client = client;
    this.step = {
      name: "ExpectCertificateVerify",
      expects: [HandshakeType.certificate_verify],
      handle: (msg) => this.processClientCertificateVerify(msg, asked, client),
    };
  }

  /** §4.4.3 */
  private processClientCertificateVerify(m: HandshakeMessage, asked: CertificateAsked, client: VerifiedPeer): void {
    this.clientScheme = checkPeerCertificateVerify(this.config, m.body, asked, client, this.transcript.hash());
    this.transcript.add(m.raw);
    this.step = { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (msg) => this.processClientFinished(msg) };
  }

  /** §4.4.4 */
  private processClientFinished(m: HandshakeMessage): void {
    const kdf = this.masterStage!.kdf;
    const n = this.negotiated!;
    const verifyData = decodeFinished(m.body, kdf.hashLength);
    const expected = kdf.finishedVerifyData(this.clientHandshakeSecret, this.transcript.hash());
    if (!constantTimeEqual(verifyData, expected)) fail("decrypt_error", "the client's Finished is wrong: the handshake was tampered with");
    this.transcript.add(m.raw);
    this.io.setReadSecret(n.suite, this.clientApplicationSecret, "application");
    if (this.authenticatedByPskAlone) this.client = this.resumption!.client;

    const result: HandshakeResult = {
      version: "TLSv1.3",
      cipherSuite: n.suite.name,
      group: n.group ?? "none (psk_ke)",
      alpnProtocol: n.alpnProtocol,
      helloRetry: this.helloRetry !== null,
      serverName: n.serverName,
      peerCertificates: this.client?.chain ?? [],
      peerIdentity: this.client?.identity ?? null,
      peerSignatureScheme: this.clientScheme?.name ?? null,
      resumed: this.resumption !== null && this.resumption.state !== null,
      pskIdentity: this.resumption?.externalIdentity ?? null,
      earlyData: this.earlyDataAccepted ? "accepted" : "none",
    };
    const post = new PostHandshake({
      io: this.io,
      config: this.config,
      kdf,
      suite: n.suite,
      role: "server",
      writeSecret: this.serverApplicationSecret,
      readSecret: this.clientApplicationSecret,
      exporterSecret: this.exporterSecret,
      clientRandom: this.clientRandom,
      postHandshakeAuth: { offered: this.clientOffersPostHandshakeAuth, transcript: this.transcript.fork(), serverName: n.serverName },
    });
    this.step = post.step;
    this.io.complete(result, post);
    this.sendNewSessionTickets(result);
  }

  /** §4.6.1: tickets for resuming this session, sealed with what this handshake established. */
  private sendNewSessionTickets(result: HandshakeResult): void {
    const master = this.masterStage!;
    const resumptionMasterSecret = master.resumptionMasterSecret(this.transcript.hash());
    const outcome = { serverName: result.serverName, alpnProtocol: result.alpnProtocol, peerCertificates: result.peerCertificates };
    for (const ticket of newSessionTickets(this.config, this.serverConfig, master.kdf, resumptionMasterSecret, outcome)) this.io.sendHandshake(ticket);
  }

  private send(message: Uint8Array): void {
    this.transcript.add(message);
    this.io.sendHandshake(message);
  }

  private logSecret(label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(this.clientRandom)} ${toHex(secret)}`);
  }
}
