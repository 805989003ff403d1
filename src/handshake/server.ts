import { bytesEqual, constantTimeEqual, fail, toHex } from "../bytes/index.js";
import { answerKeyShare } from "../crypto/key-exchange.js";
import type { GroupName } from "../crypto/provider.js";
import {
  type CipherSuite,
  ExtensionType,
  HELLO_RETRY_REQUEST_RANDOM,
  HandshakeType,
  TLS12,
  TLS13,
  groupByCode,
  groupCode,
  signatureSchemeByName,
  type SignatureScheme,
} from "./constants.js";
import type { ClientAuthMode, Credentials, ResolvedConfig, ServerConfig } from "./config.js";
import { certificateVerifyContent, verifyCertificateVerify } from "./certificate-verify.js";
import {
  type Extension,
  type KeyShareEntry,
  checkExtensionsAllowed,
  decodeAlpn,
  decodeCookie,
  decodeKeyShareClient,
  decodeServerName,
  decodeSupportedVersionsClient,
  decodeU16List,
  encodeAlpn,
  encodeCertificateAuthorities,
  encodeCookie,
  encodeKeyShareHelloRetry,
  encodeKeyShareServer,
  encodeSupportedVersionsServer,
  encodeU16List,
  findExtension,
} from "./extensions.js";
import type { HandshakeIO, HandshakeResult, Step } from "./handshake-io.js";
import { KeySchedule } from "./key-schedule.js";
import { type EarlyExporter, deriveEarlyExporter } from "./early-exporter.js";
import {
  type ClientHello,
  type HandshakeMessage,
  decodeCertificate,
  decodeClientHello,
  decodeFinished,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeServerHello,
} from "./messages.js";
import { type VerifiedPeer, verifyPeerCertificates } from "./peer-verification.js";
import { PostHandshake } from "./post-handshake.js";
import { type RecordLimits, negotiateRecordLimitsAsServer } from "./record-size-limit.js";
import { Transcript } from "./transcript.js";
import { type AcceptedResumption, externalPskHash, newSessionTickets, selectResumption, ticketCountOf, ticketLifetimeOf } from "./server-resumption.js";
import { PskKeyExchangeMode, encodeSelectedIdentity } from "./psk.js";
import { checkExternalPsk, pskModeCodes } from "./external-psk.js";
import { acceptEarlyData, maxEarlyDataOf } from "./early-data.js";

/** What the server decided from the ClientHello (§4.1.1 negotiation). */
interface Negotiated {
  readonly suite: CipherSuite;
  readonly group: GroupName;
  readonly clientShare: KeyShareEntry | undefined;
  readonly alpnProtocol: string | null;
  readonly serverName: string | null;
}

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
  private helloRetry: { suite: CipherSuite; group: GroupName; cookie: Uint8Array } | null = null;
  private changeCipherSpecSent = false;
  private negotiated: Negotiated | null = null;
  private schedule: KeySchedule | null = null;
  private clientRandom: Uint8Array = new Uint8Array(0);
  private clientHandshakeSecret: Uint8Array = new Uint8Array(0);
  private serverHandshakeSecret: Uint8Array = new Uint8Array(0);
  private serverApplicationSecret: Uint8Array = new Uint8Array(0);
  private clientApplicationSecret: Uint8Array = new Uint8Array(0);
  private client: VerifiedPeer | null = null;
  private clientScheme: SignatureScheme | null = null;
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
    ticketCountOf(serverConfig);
    ticketLifetimeOf(serverConfig);
    this.clientAuth = serverConfig.clientAuth ?? "none";
    if (!["none", "request", "require"].includes(this.clientAuth)) {
      throw new TypeError(`clientAuth must be "none", "request" or "require", not "${this.clientAuth}"`);
    }
    if (!config.credentials && !serverConfig.externalPsks?.length) throw new TypeError("a server needs certificateChain and privateKey (or signer), or externalPsks");
    for (const psk of serverConfig.externalPsks ?? []) checkExternalPsk(psk);
    if (!config.credentials && serverConfig.externalPsks?.some((p) => p.withCertificates)) {
      throw new TypeError("an external PSK withCertificates needs the server's certificateChain and privateKey (or signer) too");
    }
    pskModeCodes(serverConfig.pskKeyExchangeModes);
    maxEarlyDataOf(serverConfig);
    this.credentials = config.credentials;
    if (this.clientAuth !== "none" && !config.verifyPeer && config.trustAnchors.length === 0 && config.spkiPins.length === 0) {
      throw new TypeError("requesting client certificates needs trustAnchors (or spkiPins, or verifyPeer) to check them");
    }
    this.advertiseCertificateAuthorities = serverConfig.advertiseCertificateAuthorities ?? config.trustAnchors.length <= 16;
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
    this.checkClientVersion(hello);
    if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
      fail("illegal_parameter", "a TLS 1.3 ClientHello must offer only the null compression method");
    }
    const preSharedKeyAt = hello.extensions.findIndex((e) => e.type === ExtensionType.pre_shared_key);
    if (preSharedKeyAt !== -1 && preSharedKeyAt !== hello.extensions.length - 1) {
      fail("illegal_parameter", "pre_shared_key must be the last ClientHello extension (§4.2.11)");
    }
    if (this.helloRetry) this.checkSecondClientHello(hello);
    else this.firstHello = hello;
    this.clientRandom = hello.random;

    const negotiated = this.negotiate(hello);
    this.transcript.add(m.raw);
    this.lastClientHello = m.raw;
    this.resumption = selectResumption(
      {
        config: this.config,
        serverConfig: this.serverConfig,
        suite: negotiated.suite,
        serverName: negotiated.serverName,
        clientAuth: this.clientAuth,
        clientHello: m.raw,
        retry: this.helloRetryRequest ? { clientHello1: this.clientHello1!, helloRetryRequest: this.helloRetryRequest } : null,
      },
      hello.extensions,
    );
    // psk_ke needs no key share; otherwise a missing one costs a HelloRetryRequest (§4.1.4).
    if (!negotiated.clientShare && this.resumption?.mode !== PskKeyExchangeMode.psk_ke) {
      this.resumption = null;
      this.clientHello1 = m.raw;
      // §4.2.10: 0-RTT sent with this ClientHello is rejected by the retry and skipped.
      if (findExtension(hello.extensions, ExtensionType.early_data) !== undefined) this.io.skipEarlyData();
      return this.sendHelloRetryRequest(hello, negotiated);
    }
    const scheme = this.authenticatedByPskAlone ? null : this.negotiateSignatureScheme(hello);
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
    if (this.clientAuth !== "none") this.sendCertificateRequest();
    this.sendServerCertificate();
    const signed = this.sendServerCertificateVerify(scheme!);
    if (signed) return signed.then(() => this.sendServerFinished());
    this.sendServerFinished();
  }

  /** §4.2.1: a client that does not offer TLS 1.3 in supported_versions is refused. */
  private checkClientVersion(hello: ClientHello): void {
    const data = findExtension(hello.extensions, ExtensionType.supported_versions);
    if (data === undefined) fail("protocol_version", "the client offered only TLS 1.2 or older; mutls speaks only TLS 1.3");
    if (!decodeSupportedVersionsClient(data).includes(TLS13)) {
      fail("protocol_version", "the client's supported_versions does not include TLS 1.3");
    }
  }

  /** §4.1.2: after a HelloRetryRequest the client may change only the key share, the cookie and early data. */
  private checkSecondClientHello(hello: ClientHello): void {
    const first = this.firstHello!;
    const retry = this.helloRetry!;
    if (!bytesEqual(first.random, hello.random) || !bytesEqual(first.legacySessionId, hello.legacySessionId)) {
      fail("illegal_parameter", "the second ClientHello changed its random or session id");
    }
    if (!hello.cipherSuites.includes(retry.suite.code)) {
      fail("illegal_parameter", "the second ClientHello no longer offers the cipher suite chosen in the HelloRetryRequest");
    }
    const cookie = findExtension(hello.extensions, ExtensionType.cookie);
    if (cookie === undefined || !constantTimeEqual(decodeCookie(cookie), retry.cookie)) {
      fail("illegal_parameter", "the second ClientHello does not echo the HelloRetryRequest cookie");
    }
    const shares = findExtension(hello.extensions, ExtensionType.key_share);
    const entries = shares === undefined ? [] : decodeKeyShareClient(shares);
    // §4.2.8: exactly one share, for the group the HelloRetryRequest selected.
    if (entries.length !== 1 || entries[0].group !== groupCode(retry.group)) {
      fail("illegal_parameter", `the second ClientHello must carry exactly one key share, for ${retry.group}`);
    }
    if (findExtension(hello.extensions, ExtensionType.early_data) !== undefined) {
      fail("illegal_parameter", "early_data is not allowed after a HelloRetryRequest (§4.2.10)");
    }
  }

  private negotiate(hello: ClientHello): Negotiated {
    const c = this.config;
    // §4.2.11: an external PSK fixes the hash; prefer a suite that can use it.
    const pskHash = externalPskHash(this.serverConfig, hello.extensions);
    const offered = c.cipherSuites.filter((s) => hello.cipherSuites.includes(s.code));
    const suite = this.helloRetry?.suite ?? offered.find((s) => s.hash === pskHash) ?? offered[0];
    if (!suite) {
      fail("handshake_failure", `no cipher suite in common; we support ${c.cipherSuites.map((s) => s.name).join(", ")}`);
    }

    // §4.2.7, §4.2.8, §9.2: (EC)DHE needs both supported_groups and key_share.
    const groupsData = findExtension(hello.extensions, ExtensionType.supported_groups);
    const sharesData = findExtension(hello.extensions, ExtensionType.key_share);
    if (groupsData === undefined || sharesData === undefined) {
      fail("missing_extension", "the ClientHello lacks supported_groups or key_share; mutls requires (EC)DHE");
    }
    const clientGroups = decodeU16List(groupsData, "supported_groups extension");
    const shares = decodeKeyShareClient(sharesData);
    for (const s of shares) {
      if (!clientGroups.includes(s.group)) fail("illegal_parameter", "the ClientHello sent a key share for a group missing from supported_groups");
    }
    const mutual = c.groups.filter((g) => clientGroups.includes(groupCode(g)));
    if (mutual.length === 0) {
      fail("handshake_failure", `no key exchange group in common; we support ${c.groups.join(", ")}`);
    }
    // Prefer a mutually supported group the client already sent a share for: it saves a round trip.
    const withShare = mutual.find((g) => shares.some((s) => s.group === groupCode(g)));
    const group = this.helloRetry?.group ?? withShare ?? mutual[0];
    const clientShare = shares.find((s) => s.group === groupCode(group));

    const sni = findExtension(hello.extensions, ExtensionType.server_name);
    const serverName = sni === undefined ? null : decodeServerName(sni);

    let alpnProtocol: string | null = null;
    const alpnData = findExtension(hello.extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpnData !== undefined && c.alpnProtocols.length > 0) {
      const offered = decodeAlpn(alpnData);
      alpnProtocol = c.alpnProtocols.find((p) => offered.includes(p)) ?? null;
      // RFC 7301 §3.2
      if (alpnProtocol === null) {
        fail("no_application_protocol", `the client offers ALPN ${offered.join(", ")}; we support ${c.alpnProtocols.join(", ")}`);
      }
    }
    return { suite, group, clientShare, alpnProtocol, serverName };
  }

  /** §4.2.3: the scheme our CertificateVerify will use; only a certificate-authenticated handshake needs one. */
  private negotiateSignatureScheme(hello: ClientHello): SignatureScheme {
    if (!this.credentials) fail("handshake_failure", "the client offered no PSK this server knows, and it has no certificate to authenticate with");
    const credentials = this.credentials;
    const schemesData = findExtension(hello.extensions, ExtensionType.signature_algorithms);
    if (schemesData === undefined) fail("missing_extension", "the ClientHello lacks signature_algorithms (§4.2.3)");
    const clientSchemes = decodeU16List(schemesData, "signature_algorithms extension");
    const scheme = credentials.signer.schemes
      .map((name) => signatureSchemeByName(name))
      .find((s) => !s.certificateOnly && clientSchemes.includes(s.code));
    if (!scheme) {
      fail("handshake_failure", `the client accepts none of the signature schemes our key can make (${credentials.signer.schemes.join(", ")})`);
    }
    return scheme;
  }

  /** §4.1.4 */
  private sendHelloRetryRequest(hello: ClientHello, negotiated: Negotiated): void {
    if (this.helloRetry) fail("illegal_parameter", `the second ClientHello still has no key share for ${negotiated.group}`);
    const cookie = this.config.testHooks.helloRetryCookie?.() ?? this.config.provider.randomBytes(32);
    this.helloRetry = { suite: negotiated.suite, group: negotiated.group, cookie };
    this.transcript.replaceWithMessageHash(negotiated.suite.hash);
    const retry = encodeServerHello({
      legacyVersion: TLS12,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: negotiated.suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        { type: ExtensionType.key_share, data: encodeKeyShareHelloRetry(groupCode(negotiated.group)) },
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
    const dhe = this.resumption?.mode !== PskKeyExchangeMode.psk_ke;
    // §4.2.8: our share answers the client's (for a KEM group it is an encapsulation to it).
    const share = dhe ? answerKeyShare(provider, n.group, n.clientShare!.keyExchange) : null;
    if (dhe && !share) fail("illegal_parameter", `the client's ${n.group} key share is malformed or not a valid public key`);
    const sharedSecret = share ? share.sharedSecret : new Uint8Array(n.suite.hash === "SHA-384" ? 48 : 32);
    const serverHello = encodeServerHello({
      legacyVersion: TLS12,
      random: provider.randomBytes(32),
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: n.suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        ...(share ? [{ type: ExtensionType.key_share, data: encodeKeyShareServer({ group: groupCode(n.group), keyExchange: share.publicKey }) }] : []),
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

    const schedule = new KeySchedule(provider, n.suite, this.resumption?.psk);
    this.schedule = schedule;
    schedule.handshakeSecret(sharedSecret);
    const secrets = schedule.handshakeTrafficSecrets(this.transcript.hash());
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
      this.io.skipEarlyData();
      return false;
    }
    // client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello) (§7.1).
    const schedule = new KeySchedule(this.config.provider, n.suite, r!.psk);
    this.clientEarlySecret = schedule.deriveSecret(schedule.earlySecret, "c e traffic", this.config.provider.hash(n.suite.hash, this.lastClientHello));
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
  private sendCertificateRequest(): void {
    let extensions: Extension[] = [
      { type: ExtensionType.signature_algorithms, data: encodeU16List(this.config.acceptedSchemes.map((s) => s.code)) },
    ];
    if (this.advertiseCertificateAuthorities && this.config.trustAnchors.length > 0) {
      extensions.push({
        type: ExtensionType.certificate_authorities,
        data: encodeCertificateAuthorities(this.config.trustAnchors.map((a) => a.subject.der)),
      });
    }
    const hook = this.config.testHooks.extensions;
    if (hook) extensions = hook("certificate_request", extensions, this.helloRetry !== null);
    this.send(encodeCertificateRequest({ certificateRequestContext: new Uint8Array(0), extensions }));
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
    const schedule = this.schedule!;
    const n = this.negotiated!;
    this.send(encodeFinished(schedule.finishedVerifyData(this.serverHandshakeSecret, this.transcript.hash())));
    schedule.masterSecret();
    const app = schedule.applicationSecrets(this.transcript.hash());
    this.clientApplicationSecret = app.client;
    this.serverApplicationSecret = app.server;
    this.logSecret("CLIENT_TRAFFIC_SECRET_0", app.client);
    this.logSecret("SERVER_TRAFFIC_SECRET_0", app.server);
    this.logSecret("EXPORTER_SECRET", app.exporter);
    this.exporterSecret = app.exporter;
    this.io.setWriteSecret(n.suite, app.server, "application");
    this.step =
      this.clientAuth === "none" || this.authenticatedByPskAlone
        ? { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (m) => this.processClientFinished(m) }
        : { name: "ExpectCertificate", expects: [HandshakeType.certificate], handle: (m) => this.processClientCertificate(m) };
  }

  /** §4.4.2, §4.4.2.4 */
  private processClientCertificate(m: HandshakeMessage): void {
    const certificate = decodeCertificate(m.body);
    if (certificate.certificateRequestContext.length !== 0) {
      fail("illegal_parameter", "the client's Certificate must echo the empty certificate_request_context");
    }
    // §4.4.2: CertificateEntry extensions must answer our CertificateRequest, which asks for none.
    for (const entry of certificate.certificateList) checkExtensionsAllowed("certificate", entry.extensions, new Set(), "CertificateEntry");
    if (certificate.certificateList.length === 0) {
      if (this.clientAuth === "require") fail("certificate_required", "this server requires a client certificate; the client sent none");
      this.transcript.add(m.raw);
      this.step = { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (msg) => this.processClientFinished(msg) };
      return;
    }
    this.client = verifyPeerCertificates(this.config, certificate.certificateList, "client", this.negotiated!.serverName);
    this.transcript.add(m.raw);
    this.step = {
      name: "ExpectCertificateVerify",
      expects: [HandshakeType.certificate_verify],
      handle: (msg) => this.processClientCertificateVerify(msg),
    };
  }

  /** §4.4.3 */
  private processClientCertificateVerify(m: HandshakeMessage): void {
    const { provider, acceptedSchemes } = this.config;
    this.clientScheme = verifyCertificateVerify(provider, acceptedSchemes, "client", m.body, this.client!.leaf.publicKey, this.transcript.hash());
    this.transcript.add(m.raw);
    this.step = { name: "ExpectFinished", expects: [HandshakeType.finished], handle: (msg) => this.processClientFinished(msg) };
  }

  /** §4.4.4 */
  private processClientFinished(m: HandshakeMessage): void {
    const schedule = this.schedule!;
    const n = this.negotiated!;
    const verifyData = decodeFinished(m.body, schedule.hashLength);
    const expected = schedule.finishedVerifyData(this.clientHandshakeSecret, this.transcript.hash());
    if (!constantTimeEqual(verifyData, expected)) fail("decrypt_error", "the client's Finished is wrong: the handshake was tampered with");
    this.transcript.add(m.raw);
    this.io.setReadSecret(n.suite, this.clientApplicationSecret, "application");
    if (this.authenticatedByPskAlone) this.client = this.resumption!.client;

    const result: HandshakeResult = {
      version: "TLSv1.3",
      cipherSuite: n.suite.name,
      group: this.resumption?.mode === PskKeyExchangeMode.psk_ke ? "none (psk_ke)" : n.group,
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
      schedule,
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
    const schedule = this.schedule!;
    const resumptionMasterSecret = schedule.resumptionMasterSecret(this.transcript.hash());
    const outcome = { serverName: result.serverName, alpnProtocol: result.alpnProtocol, peerCertificates: result.peerCertificates };
    for (const ticket of newSessionTickets(this.config, this.serverConfig, schedule, resumptionMasterSecret, outcome)) this.io.sendHandshake(ticket);
  }

  private send(message: Uint8Array): void {
    this.transcript.add(message);
    this.io.sendHandshake(message);
  }

  private logSecret(label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(this.clientRandom)} ${toHex(secret)}`);
  }
}
