import { constantTimeEqual, fail, toHex } from "../../bytes/index.js";
import { answerKeyShareAsync } from "../../crypto/async-key-exchange.js";
import { type EncapsulatedKeyShare, X25519MLKEM768 } from "../../crypto/hybrid-key-share.js";
import {
  type CipherSuite,
  type SignatureScheme,
  ExtensionType,
  HELLO_RETRY_REQUEST_RANDOM,
  HandshakeType,
  TLS12,
  TLS13,
  groupCode,
} from "../codec/constants.js";
import { type AsyncKeyShare, type GroupName, type MaybePromise, asyncOperations, isPromise } from "../../crypto/provider.js";
import type { Credentials, ResolvedConfig, ServerConfig } from "../config.js";
import { certificateVerifyContent } from "../signer.js";
import {
  type Extension,
  encodeAlpn,
  encodeCertificateAuthorities,
  encodeCookie,
  encodeKeyShareHelloRetry,
  encodeKeyShareServer,
  encodeSupportedVersionsServer,
  encodeU16List,
} from "../codec/extensions.js";
import type { HandshakeIO, HandshakeResult, Step } from "../handshake-io.js";
import { EarlySecret, SuiteKdf, type HandshakeSecret, type MasterSecret } from "../key-schedule.js";
import { type EarlyExporter, deriveEarlyExporter } from "../resumption/early-exporter.js";
import {
  type HandshakeMessage,
  decodeFinished,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeServerHello,
} from "../codec/messages.js";
import { type VerifiedPeer, verificationBudget } from "../peer-verification.js";
import { type ReceivedClientHello, readClientHello } from "../codec/received-messages.js";
import {
  type CertificateAsked,
  type EarlyCertificateVerify,
  checkPeerCertificateAsync,
  checkPeerCertificateVerifyAsync,
  verifyCertificateVerifyEarly,
} from "../peer-certificate.js";
import { PostHandshake } from "../post-handshake.js";
import { type RecordLimits, negotiateRecordLimitsAsServer } from "../record-size-limit.js";
import { Transcript } from "../transcript.js";
import { type AcceptedResumption, newSessionTickets, selectResumption, ticketCountOf } from "./resumption.js";
import { type ServerOptions, checkServerOptions } from "./options.js";
import { PskKeyExchangeMode, encodeSelectedIdentity } from "../codec/psk-extensions.js";
import { acceptEarlyData, maxEarlyDataOf, rejectedEarlyDataLimit } from "./early-data.js";
import {
  type HelloRetryChoice,
  type Negotiated,
  type ServerAuthentication,
  checkClientHello,
  checkSecondClientHello,
  negotiate,
  negotiateGroup,
  negotiateSignatureScheme,
} from "./negotiation.js";
import {
  type Agreement,
  type ServerFinishedSent,
  type ServerState,
  Connected,
  ExpectCertificate,
  ExpectCertificateVerify,
  ExpectClientHello,
  ExpectEndOfEarlyData,
  ExpectFinished,
  ExpectSecondClientHello,
  Waiting,
} from "./state.js";

/** What sendServerFlight decided before our key share, for the rest of the flight. */
interface ServerFlight {
  readonly hello: ReceivedClientHello;
  readonly agreement: Agreement;
  readonly clientEarlySecret: Uint8Array | null;
  readonly changeCipherSpecSent: boolean;
  readonly recordLimits: ReturnType<typeof negotiateRecordLimitsAsServer>;
  readonly authentication: ServerAuthentication | null;
}

/** Our CertificateRequest, encoded, and what it asks of the client's Certificate. */
interface PreparedCertificateRequest {
  readonly message: Uint8Array;
  readonly asked: CertificateAsked;
}

/** The handshake keys of §7.1, derived once ServerHello is sent. */
interface HandshakeKeys {
  readonly stage: HandshakeSecret;
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

/**
 * What a state does with the one message it accepts: the next state, or a promise of it while our
 * signer, the certificate hook or an asynchronous provider works.
 */
type Transition = MaybePromise<ServerState>;

/**
 * The server side of the TLS 1.3 handshake (RFC 8446 §2, §4), in protocol order:
 * processClientHello, sendHelloRetryRequest, sendServerHello, sendEncryptedExtensions,
 * sendCertificateRequest, sendServerCertificate, sendServerCertificateVerify, sendServerFinished,
 * processEndOfEarlyData, processClientCertificate, processClientCertificateVerify,
 * processClientFinished. The states between them are the types of state.ts.
 */
export class ServerHandshake {
  private state: ServerState = new ExpectClientHello();
  private readonly transcript: Transcript;
  private readonly options: ServerOptions;
  private readonly credentials: Credentials | null;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly serverConfig: ServerConfig,
    private readonly io: HandshakeIO,
  ) {
    this.transcript = new Transcript(config.provider);
    this.options = checkServerOptions(config, serverConfig);
    this.credentials = config.credentials;
  }

  /** The current state as the connection drives it: the message types it accepts and what to do with them. */
  get step(): Step {
    const s = this.state;
    if (s instanceof ExpectClientHello || s instanceof ExpectSecondClientHello)
      return this.expect(s, HandshakeType.client_hello, (m) => this.processClientHello(s, m));
    if (s instanceof ExpectEndOfEarlyData) return this.expect(s, HandshakeType.end_of_early_data, (m) => this.processEndOfEarlyData(s, m));
    if (s instanceof ExpectCertificate) return this.expect(s, HandshakeType.certificate, (m) => this.processClientCertificate(s, m));
    if (s instanceof ExpectCertificateVerify) return this.expect(s, HandshakeType.certificate_verify, (m) => this.processClientCertificateVerify(s, m));
    if (s instanceof ExpectFinished) return this.expect(s, HandshakeType.finished, (m) => this.processClientFinished(s, m));
    if (s instanceof Connected) return s.session.step;
    return { name: s.name, expects: [], handle: () => undefined };
  }

  /** Whether the client's first message has arrived (until then a record may only be a ClientHello). */
  get clientHelloReceived(): boolean {
    return !(this.state instanceof ExpectClientHello);
  }

  /** A state that accepts one message type; its transition replaces it (Waiting meanwhile, when asynchronous). */
  private expect(state: ServerState, type: number, transition: (m: HandshakeMessage) => Transition): Step {
    return {
      name: state.name,
      expects: [type],
      handle: (m) => {
        const next = transition(m);
        if (!isPromise(next)) {
          this.state = next;
          return;
        }
        this.state = new Waiting();
        return next.then((s) => {
          this.state = s;
        });
      },
    };
  }

  /** §4.1.2 and the negotiation of §4.1.1: the first ClientHello or, after a HelloRetryRequest (§4.1.4), the second. */
  private processClientHello(state: ExpectClientHello | ExpectSecondClientHello, m: HandshakeMessage): Transition {
    const retried = state instanceof ExpectSecondClientHello ? state : null;
    const helloRetry = retried?.helloRetry ?? null;
    const hello = readClientHello(m.body);
    checkClientHello(hello);
    if (retried) checkSecondClientHello(retried.firstHello, hello, retried.helloRetry);

    const beforePsk = negotiate(this.config, this.serverConfig, hello, helloRetry);
    this.transcript.add(m.raw);
    const resumption = selectResumption(
      {
        config: this.config,
        serverConfig: this.serverConfig,
        suite: beforePsk.suite,
        serverName: beforePsk.serverName,
        clientAuth: this.options.clientAuth,
        clientHello: m.raw,
        retry: retried ? { clientHello1: retried.clientHello1, helloRetryRequest: retried.helloRetryRequest } : null,
      },
      hello.extensions,
    );
    // §4.2.9: psk_ke keys the handshake with the PSK alone: no group, and no key share needed.
    const { offeredGroups, ...chosen } = beforePsk;
    let keyExchange: Negotiated["keyExchange"] = null;
    if (resumption?.mode !== PskKeyExchangeMode.psk_ke) {
      const exchange = negotiateGroup(this.config, offeredGroups, helloRetry);
      const clientShare = exchange.clientShare;
      if (clientShare === undefined) {
        // A missing share costs a HelloRetryRequest (§4.1.4).
        // §4.2.10: 0-RTT sent with this ClientHello is rejected by the retry and skipped.
        if (hello.extensions.earlyData) {
          this.io.skipEarlyData(rejectedEarlyDataLimit(this.serverConfig, resumption?.state ?? null));
        }
        return this.sendHelloRetryRequest(hello, m.raw, retried, chosen.suite, exchange.group);
      }
      keyExchange = { group: exchange.group, clientShare };
    }
    const negotiated: Negotiated = { ...chosen, keyExchange };
    // §2.2: a PSK handshake is authenticated by the PSK: no certificates, no CertificateRequest (§4.3.2).
    // RFC 8773 lifts that for an external PSK combined with certificates: the full flight follows.
    if (resumption !== null && !resumption.withCertificates) return this.sendServerFlight(hello, m.raw, negotiated, resumption, retried, null);
    // resolveConfig makes sure a configuration with the hook carries the credentialHooks module.
    const hook = this.config.selectCertificate;
    const hooks = this.config.credentialHooks;
    const credentials =
      hook && hooks
        ? hooks.selectServer(hook, hello.extensions, negotiated.serverName, this.credentials, this.config.provider, this.config.privateKeyReading)
        : this.credentials;
    if (credentials instanceof Promise) {
      return credentials.then((c) => this.sendServerFlight(hello, m.raw, negotiated, resumption, retried, negotiateSignatureScheme(c, hello)));
    }
    return this.sendServerFlight(hello, m.raw, negotiated, resumption, retried, negotiateSignatureScheme(credentials, hello));
  }

  /**
   * ServerHello and the rest of our flight (§4.1.3 to §4.4.4), once we know how we authenticate:
   * by the PSK alone (`authentication` null) or by a certificate, which selectCertificate may have
   * chosen asynchronously (the connection held the client's input meanwhile).
   */
  private sendServerFlight(
    hello: ReceivedClientHello,
    clientHello: Uint8Array,
    negotiated: Negotiated,
    resumption: AcceptedResumption | null,
    retried: ExpectSecondClientHello | null,
    authentication: ServerAuthentication | null,
  ): Transition {
    const earlyExporter = retried ? null : this.offerEarlyExporter(resumption, negotiated, clientHello);
    const clientEarlySecret = this.decideEarlyData(hello, clientHello, negotiated, resumption, retried !== null, earlyExporter);
    const agreement: Agreement = {
      negotiated,
      clientRandom: hello.random,
      helloRetry: retried !== null,
      resumption,
      earlyDataAccepted: clientEarlySecret !== null,
      clientOffersPostHandshakeAuth: hello.extensions.postHandshakeAuth,
      clientTakesTickets: hello.extensions.pskKeyExchangeModes?.includes(PskKeyExchangeMode.psk_dhe_ke) === true,
    };
    const recordLimits = negotiateRecordLimitsAsServer(hello.extensions, this.config.recordSizeLimit);
    const flight: ServerFlight = {
      hello,
      agreement,
      clientEarlySecret,
      changeCipherSpecSent: retried?.changeCipherSpecSent ?? false,
      recordLimits,
      authentication,
    };

    // §4.2.8: our share answers the client's (for a KEM group it is an encapsulation to it), through
    // the provider's asynchronous operations (issue 13).
    const exchange = agreement.negotiated.keyExchange;
    if (exchange !== null && exchange.group !== X25519MLKEM768 && authentication !== null) {
      // An (EC)DHE share's public value is known before its secret: see sendServerFlightOverlapped.
      const own = asyncOperations(this.config.provider).generateKeyShare(exchange.group);
      if (isPromise(own)) return own.then((o) => this.answerKeyShare(flight, authentication, o, exchange.clientShare.keyExchange));
      return this.answerKeyShare(flight, authentication, own, exchange.clientShare.keyExchange);
    }
    const share =
      exchange !== null
        ? answerKeyShareAsync(asyncOperations(this.config.provider), this.config.provider, exchange.group, exchange.clientShare.keyExchange)
        : null;
    if (isPromise(share)) return share.then((s) => this.sendServerFlightWithShare(flight, s));
    return this.sendServerFlightWithShare(flight, share);
  }

  /** answerKeyShareAsync for an (EC)DHE group (crypto/async-key-exchange.ts): the Diffie-Hellman with our share. */
  private answerKeyShare(flight: ServerFlight, authentication: ServerAuthentication, own: AsyncKeyShare, clientShare: Uint8Array): Transition {
    const sharedSecret = own.deriveSharedSecret(clientShare);
    if (isPromise(sharedSecret)) return this.sendServerFlightOverlapped(flight, authentication, own.publicKey, sharedSecret);
    return this.sendServerFlightWithShare(flight, sharedSecret === null ? null : { publicKey: own.publicKey, sharedSecret });
  }

  /**
   * The certificate flight while our (EC)DHE secret is still being computed (an asynchronous
   * provider, issue 13). Our CertificateVerify signs the transcript through our Certificate
   * (§4.4.3), which holds our public value but not the secret, so the signature is computed
   * meanwhile, over a copy of the transcript with the flight's messages as they will be sent.
   * Nothing is sent, and nothing enters the transcript, until both are known: a client share that
   * gives no secret is illegal_parameter with nothing of ours on the wire, whatever the signer
   * does, as on the synchronous path; then the flight goes out as sendServerFlightWithShare sends it.
   */
  private sendServerFlightOverlapped(
    flight: ServerFlight,
    authentication: ServerAuthentication,
    publicKey: Uint8Array,
    sharedSecret: Promise<Uint8Array | null>,
  ): Promise<ServerState> {
    const { agreement, recordLimits } = flight;
    const serverHello = this.encodeServerHello(flight.hello, agreement, publicKey);
    const encryptedExtensions = this.encodeEncryptedExtensions(agreement, recordLimits);
    const request = this.options.clientAuth !== "none" ? this.encodeCertificateRequest(agreement) : null;
    const certificate = this.encodeServerCertificate(authentication.credentials);
    this.transcript.selectHash(agreement.negotiated.suite.hash);
    const signed = this.transcript.fork();
    signed.update(serverHello);
    signed.update(encryptedExtensions);
    if (request !== null) signed.update(request.message);
    signed.update(certificate);
    const content = certificateVerifyContent("server", signed.digest());
    // A signer that throws fails here as one that rejects: where the synchronous path would fail.
    const signature = new Promise<Uint8Array>((resolve) => resolve(authentication.credentials.signer.sign(authentication.scheme.name, content)));
    // If the secret fails first, the signature's outcome is dropped (its rejection is handled here).
    signature.catch(() => undefined);
    return sharedSecret.then((secret) => {
      // From here, the order of sendServerFlightWithShare: a null share fails before ServerHello
      // (illegal_parameter), and our flight up to the Certificate is out before the signature is awaited.
      const share = secret === null ? null : { publicKey, sharedSecret: secret };
      const keys = this.sendServerHello(flight.hello, agreement, share, flight.clientEarlySecret, flight.changeCipherSpecSent, serverHello);
      this.sendEncryptedExtensions(agreement, recordLimits, encryptedExtensions);
      const asked = request !== null ? this.sendCertificateRequest(agreement, request) : null;
      this.send(certificate);
      return signature.then((sig) => {
        this.send(encodeCertificateVerify({ algorithm: authentication.scheme.code, signature: sig }));
        return this.sendServerFinished(agreement, keys, asked);
      });
    });
  }

  /** The rest of sendServerFlight, once our key share (null for psk_ke or a malformed client share) is known. */
  private sendServerFlightWithShare(flight: ServerFlight, share: EncapsulatedKeyShare | null): Transition {
    const { agreement, recordLimits, authentication } = flight;
    const keys = this.sendServerHello(flight.hello, agreement, share, flight.clientEarlySecret, flight.changeCipherSpecSent);
    this.sendEncryptedExtensions(agreement, recordLimits);
    if (authentication === null) return this.sendServerFinished(agreement, keys, null);
    const asked = this.options.clientAuth !== "none" ? this.sendCertificateRequest(agreement) : null;
    this.sendServerCertificate(authentication.credentials);
    const signed = this.sendServerCertificateVerify(authentication);
    if (signed) return signed.then(() => this.sendServerFinished(agreement, keys, asked));
    return this.sendServerFinished(agreement, keys, asked);
  }

  /** §4.1.4 */
  private sendHelloRetryRequest(
    hello: ReceivedClientHello,
    clientHello1: Uint8Array,
    retried: ExpectSecondClientHello | null,
    suite: CipherSuite,
    group: GroupName,
  ): ExpectSecondClientHello {
    if (retried) fail("illegal_parameter", `the second ClientHello still has no key share for ${group}`);
    // No cookie (§4.2.2 makes it optional): this server keeps its state between the two
    // ClientHellos, so a cookie would carry nothing, and clients that do not echo one exist
    // (wolfSSL built without WOLFSSL_SEND_HRR_COOKIE, wolfSSL/wolfssl#11010). Go's and rustls's
    // servers send none either. Tests set one to replay RFC 8448 §5, whose server sent one.
    const cookie = this.config.testHooks.helloRetryCookie?.() ?? null;
    const helloRetry: HelloRetryChoice = { suite, group, cookie };
    this.transcript.replaceWithMessageHash(suite.hash);
    const retry = encodeServerHello({
      legacyVersion: TLS12,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        { type: ExtensionType.key_share, data: encodeKeyShareHelloRetry(groupCode(group)) },
        ...(cookie === null ? [] : [{ type: ExtensionType.cookie, data: encodeCookie(cookie) }]),
        { type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(TLS13) },
      ],
    });
    this.transcript.add(retry);
    this.io.sendHandshake(retry);
    const changeCipherSpecSent = this.sendChangeCipherSpecOnce(hello, false);
    return new ExpectSecondClientHello(hello, helloRetry, clientHello1, retry, changeCipherSpecSent);
  }

  /** §D.4: a client that sent a session id wants the dummy change_cipher_spec after our first message. Returns whether it was sent by now. */
  private sendChangeCipherSpecOnce(hello: ReceivedClientHello, alreadySent: boolean): boolean {
    if (alreadySent) return true;
    if (hello.legacySessionId.length === 0) return false;
    this.io.sendChangeCipherSpec();
    return true;
  }

  /**
   * §4.1.3, then the handshake keys of §7.1; `share` answers the client's key share (sendServerFlight).
   * `prepared` is the ServerHello already encoded for this share (sendServerFlightOverlapped).
   */
  private sendServerHello(
    hello: ReceivedClientHello,
    a: Agreement,
    share: EncapsulatedKeyShare | null,
    clientEarlySecret: Uint8Array | null,
    changeCipherSpecSent: boolean,
    prepared: Uint8Array | null = null,
  ): HandshakeKeys {
    const provider = this.config.provider;
    const n = a.negotiated;
    const exchange = n.keyExchange;
    if (exchange !== null && !share) fail("illegal_parameter", `the client's ${exchange.group} key share is malformed or not a valid public key`);
    // §4.2.9: psk_ke uses the PSK alone; the (EC)DHE input to the key schedule is then zeros (§7.1).
    const sharedSecret = share ? share.sharedSecret : new Uint8Array(n.suite.hash === "SHA-384" ? 48 : 32);
    const serverHello = prepared ?? this.encodeServerHello(hello, a, share ? share.publicKey : null);
    this.transcript.selectHash(n.suite.hash);
    this.transcript.add(serverHello);
    this.io.sendHandshake(serverHello);
    this.sendChangeCipherSpecOnce(hello, changeCipherSpecSent);

    const early = new EarlySecret(new SuiteKdf(provider, n.suite), a.resumption?.psk);
    const stage = early.handshakeSecret(sharedSecret);
    const secrets = stage.trafficSecrets(this.transcript.hash());
    this.logSecret(a, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", secrets.client);
    this.logSecret(a, "SERVER_HANDSHAKE_TRAFFIC_SECRET", secrets.server);
    this.io.setWriteSecret(n.suite, secrets.server, "handshake");
    if (clientEarlySecret !== null) {
      // §2.3: the client's 0-RTT records, then its EndOfEarlyData, come under the early traffic key.
      this.io.setReadSecret(n.suite, clientEarlySecret, "early");
      this.io.acceptEarlyData(maxEarlyDataOf(this.serverConfig));
    } else {
      this.io.setReadSecret(n.suite, secrets.client, "handshake");
    }
    return { stage, client: secrets.client, server: secrets.server };
  }

  /** §4.1.3: the ServerHello, with our key_share value (`publicKey`; null for psk_ke). Draws its random. */
  private encodeServerHello(hello: ReceivedClientHello, a: Agreement, publicKey: Uint8Array | null): Uint8Array {
    const n = a.negotiated;
    const exchange = n.keyExchange;
    const resumption = a.resumption;
    return encodeServerHello({
      legacyVersion: TLS12,
      random: this.config.provider.randomBytes(32),
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: n.suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        ...(publicKey && exchange !== null
          ? [{ type: ExtensionType.key_share, data: encodeKeyShareServer({ group: groupCode(exchange.group), keyExchange: publicKey }) }]
          : []),
        { type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(TLS13) },
        ...(resumption ? [{ type: ExtensionType.pre_shared_key, data: encodeSelectedIdentity(resumption.selectedIdentity) }] : []),
        // RFC 8773: the empty extension says we combine the external PSK with certificates.
        ...(resumption?.withCertificates ? [{ type: ExtensionType.tls_cert_with_extern_psk, data: new Uint8Array(0) }] : []),
      ],
    });
  }

  /**
   * §7.1: the early exporter of the PSK we selected, over this ClientHello. Not after a
   * HelloRetryRequest: the client's early exporter comes from its first ClientHello.
   */
  private offerEarlyExporter(resumption: AcceptedResumption | null, n: Negotiated, clientHello: Uint8Array): EarlyExporter | null {
    if (!resumption) return null;
    const exporter = deriveEarlyExporter(this.config.provider, n.suite, resumption.psk, clientHello);
    this.io.setEarlyExporter(exporter);
    return exporter;
  }

  /**
   * §4.2.10: accept the client's 0-RTT data (returning client_early_traffic_secret) or have the
   * connection skip it (null). Accepting needs a resumed ticket that allows it and passes the
   * replay and freshness checks of early-data.ts.
   */
  private decideEarlyData(
    hello: ReceivedClientHello,
    clientHello: Uint8Array,
    n: Negotiated,
    r: AcceptedResumption | null,
    afterRetry: boolean,
    earlyExporter: EarlyExporter | null,
  ): Uint8Array | null {
    if (!hello.extensions.earlyData) return null;
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
        afterRetry,
        now: this.config.now().getTime(),
      });
    if (!accepted) {
      this.io.skipEarlyData(rejectedEarlyDataLimit(this.serverConfig, r?.state ?? null));
      return null;
    }
    const early = new EarlySecret(new SuiteKdf(this.config.provider, n.suite), r.psk);
    const secret = early.clientEarlyTrafficSecret(this.config.provider.hash(n.suite.hash, clientHello));
    this.logSecretFor(hello.random, "CLIENT_EARLY_TRAFFIC_SECRET", secret);
    // As OpenSSL does: the early exporter secret is logged when 0-RTT data is accepted.
    if (earlyExporter) this.logSecretFor(hello.random, "EARLY_EXPORTER_SECRET", earlyExporter.secret);
    return secret;
  }

  /** §4.3.1; `prepared` is the message already encoded (sendServerFlightOverlapped). */
  private sendEncryptedExtensions(
    a: Agreement,
    recordLimits: { limits: RecordLimits; answer: Extension | null } | null,
    prepared: Uint8Array | null = null,
  ): void {
    const message = prepared ?? this.encodeEncryptedExtensions(a, recordLimits);
    // Our records from EncryptedExtensions on obey the client's limit (RFC 8449 §4).
    if (recordLimits) this.io.setRecordLimits(recordLimits.limits);
    this.send(message);
  }

  private encodeEncryptedExtensions(a: Agreement, recordLimits: { limits: RecordLimits; answer: Extension | null } | null): Uint8Array {
    const n = a.negotiated;
    let extensions: Extension[] = [];
    // RFC 6066 §3: acknowledge the SNI we received with an empty server_name.
    if (n.serverName !== null) extensions.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    // §4.2.10: an empty early_data extension says the 0-RTT data was accepted.
    if (a.earlyDataAccepted) extensions.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    if (n.alpnProtocol !== null) {
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([n.alpnProtocol]) });
    }
    if (recordLimits?.answer) extensions.push(recordLimits.answer);
    const hook = this.config.testHooks.extensions;
    if (hook) extensions = hook("encrypted_extensions", extensions, a.helloRetry);
    return encodeEncryptedExtensions(extensions);
  }

  /** §4.3.2; returns what we asked the client for, to judge its Certificate by. `prepared`: already encoded (sendServerFlightOverlapped). */
  private sendCertificateRequest(a: Agreement, prepared: PreparedCertificateRequest | null = null): CertificateAsked {
    const { message, asked } = prepared ?? this.encodeCertificateRequest(a);
    this.send(message);
    return asked;
  }

  private encodeCertificateRequest(a: Agreement): PreparedCertificateRequest {
    let extensions: Extension[] = [{ type: ExtensionType.signature_algorithms, data: encodeU16List(this.config.acceptedSchemes.map((s) => s.code)) }];
    if (this.options.advertiseCertificateAuthorities && this.config.trustAnchors.length > 0) {
      extensions.push({
        type: ExtensionType.certificate_authorities,
        data: encodeCertificateAuthorities(this.config.trustAnchors.map((anchor) => anchor.subject.der)),
      });
    }
    const hook = this.config.testHooks.extensions;
    if (hook) extensions = hook("certificate_request", extensions, a.helloRetry);
    const certificateRequestContext = new Uint8Array(0);
    const message = encodeCertificateRequest({ certificateRequestContext, extensions });
    const asked: CertificateAsked = {
      peerRole: "client",
      context: certificateRequestContext,
      offeredExtensions: new Set(extensions.map((e) => e.type)),
      required: this.options.clientAuth === "require",
      serverName: a.negotiated.serverName,
      // What the client's certificates may cost us before it has authenticated (limits.maxVerificationCost).
      budget: verificationBudget(this.config),
    };
    return { message, asked };
  }

  /** §4.4.2 */
  private sendServerCertificate(credentials: Credentials): void {
    this.send(this.encodeServerCertificate(credentials));
  }

  private encodeServerCertificate(credentials: Credentials): Uint8Array {
    return encodeCertificate({
      certificateRequestContext: new Uint8Array(0),
      certificateList: credentials.chain.map((certData) => ({ certData, extensions: [] })),
    });
  }

  /** §4.4.3; the signer may be asynchronous. */
  private sendServerCertificateVerify({ credentials, scheme }: ServerAuthentication): void | Promise<void> {
    const content = certificateVerifyContent("server", this.transcript.hash());
    const signature = credentials.signer.sign(scheme.name, content);
    const send = (sig: Uint8Array): void => this.send(encodeCertificateVerify({ algorithm: scheme.code, signature: sig }));
    if (signature instanceof Uint8Array) return send(signature);
    return Promise.resolve(signature).then(send);
  }

  /** §4.4.4, then the application secrets of §7.1; the client's flight comes next (§4.5 first if 0-RTT was accepted). */
  private sendServerFinished(a: Agreement, keys: HandshakeKeys, asked: CertificateAsked | null): ServerState {
    const n = a.negotiated;
    this.send(encodeFinished(keys.stage.kdf.finishedVerifyData(keys.server, this.transcript.hash())));
    const master = keys.stage.masterSecret();
    const app = master.applicationSecrets(this.transcript.hash());
    this.logSecret(a, "CLIENT_TRAFFIC_SECRET_0", app.client);
    this.logSecret(a, "SERVER_TRAFFIC_SECRET_0", app.server);
    this.logSecret(a, "EXPORTER_SECRET", app.exporter);
    this.io.setWriteSecret(n.suite, app.server, "application");
    const sent: ServerFinishedSent = {
      agreement: a,
      master,
      clientHandshakeSecret: keys.client,
      clientApplicationSecret: app.client,
      serverApplicationSecret: app.server,
      exporterSecret: app.exporter,
    };
    // §2.2: a resumed session's client is who the original handshake verified.
    const r = a.resumption;
    const clientByPsk = r !== null && !r.withCertificates ? r.client : null;
    const next = asked === null ? new ExpectFinished(sent, clientByPsk, null) : new ExpectCertificate(sent, asked);
    return a.earlyDataAccepted ? new ExpectEndOfEarlyData(sent, next) : next;
  }

  /** §4.5: the client's 0-RTT data ends; its handshake key follows. */
  private processEndOfEarlyData(state: ExpectEndOfEarlyData, m: HandshakeMessage): ServerState {
    if (m.body.length !== 0) fail("decode_error", "EndOfEarlyData must be empty");
    this.transcript.add(m.raw);
    this.io.setReadSecret(state.sent.agreement.negotiated.suite, state.sent.clientHandshakeSecret, "handshake");
    return state.next;
  }

  /** §4.4.2, §4.4.2.4: the client's Certificate answers our CertificateRequest (peer-certificate.ts). */
  private processClientCertificate(state: ExpectCertificate, m: HandshakeMessage): Transition {
    // On a provider that answers later (issue 13), the CertificateVerify behind the Certificate, if
    // here already, is verified while the chain's signatures are (one wait for both). The chain
    // goes first: its path search is short, and its verifications are the longer wait.
    const client = checkPeerCertificateAsync(this.config, m.body, state.asked);
    const early =
      this.config.provider.asynchronous !== undefined
        ? verifyCertificateVerifyEarly(this.config, m, this.io.peekHandshake(), state.asked, this.transcript)
        : null;
    if (isPromise(client)) return client.then((c) => this.clientCertificateChecked(state, m, c, early));
    return this.clientCertificateChecked(state, m, client, early);
  }

  /** The rest of processClientCertificate, once the chain is validated (or allowed to be empty). */
  private clientCertificateChecked(
    state: ExpectCertificate,
    m: HandshakeMessage,
    client: VerifiedPeer | null,
    early: EarlyCertificateVerify | null = null,
  ): ServerState {
    this.transcript.add(m.raw);
    if (client === null) return new ExpectFinished(state.sent, null, null);
    return new ExpectCertificateVerify(state.sent, state.asked, client, early);
  }

  /** §4.4.3; the provider may verify asynchronously (issue 13). */
  private processClientCertificateVerify(state: ExpectCertificateVerify, m: HandshakeMessage): Transition {
    const scheme = checkPeerCertificateVerifyAsync(this.config, m.body, state.asked, state.client, this.transcript.hash(), state.early);
    if (isPromise(scheme)) return scheme.then((s) => this.clientCertificateVerified(state, m, s));
    return this.clientCertificateVerified(state, m, scheme);
  }

  /** The rest of processClientCertificateVerify, once the signature holds. */
  private clientCertificateVerified(state: ExpectCertificateVerify, m: HandshakeMessage, scheme: SignatureScheme): ServerState {
    this.transcript.add(m.raw);
    return new ExpectFinished(state.sent, state.client, scheme);
  }

  /** §4.4.4 */
  private processClientFinished(state: ExpectFinished, m: HandshakeMessage): ServerState {
    const { sent, client } = state;
    const a = sent.agreement;
    const n = a.negotiated;
    const kdf = sent.master.kdf;
    const verifyData = decodeFinished(m.body, kdf.hashLength);
    const expected = kdf.finishedVerifyData(sent.clientHandshakeSecret, this.transcript.hash());
    if (!constantTimeEqual(verifyData, expected)) fail("decrypt_error", "the client's Finished is wrong: the handshake was tampered with");
    this.transcript.add(m.raw);
    this.io.setReadSecret(n.suite, sent.clientApplicationSecret, "application");

    const result: HandshakeResult = {
      version: "TLSv1.3",
      cipherSuite: n.suite.name,
      group: n.keyExchange?.group ?? "none (psk_ke)",
      alpnProtocol: n.alpnProtocol,
      helloRetry: a.helloRetry,
      serverName: n.serverName,
      peerCertificates: client?.chain ?? [],
      peerIdentity: client?.identity ?? null,
      peerSignatureScheme: state.clientScheme?.name ?? null,
      resumed: a.resumption !== null && a.resumption.state !== null,
      pskIdentity: a.resumption?.externalIdentity ?? null,
      earlyData: a.earlyDataAccepted ? "accepted" : "none",
    };
    const session = new PostHandshake({
      io: this.io,
      config: this.config,
      kdf,
      suite: n.suite,
      role: "server",
      writeSecret: sent.serverApplicationSecret,
      readSecret: sent.clientApplicationSecret,
      exporterSecret: sent.exporterSecret,
      clientRandom: a.clientRandom,
      postHandshakeAuth: { offered: a.clientOffersPostHandshakeAuth, transcript: this.transcript.fork(), serverName: n.serverName },
    });
    this.state = new Connected(session);
    this.io.complete(result, session);
    // §4.2.9: "Servers SHOULD NOT send NewSessionTicket with tickets that are not compatible with the
    // advertised modes", as Go's crypto/tls and BoringSSL do not: a client that advertised no
    // psk_dhe_ke would only drop them. Without tickets to send, no resumption secret is derived.
    if (a.clientTakesTickets && ticketCountOf(this.serverConfig) > 0) this.sendNewSessionTickets(sent.master, result);
    return this.state;
  }

  /** §4.6.1: tickets for resuming this session, sealed with what this handshake established. */
  private sendNewSessionTickets(master: MasterSecret, result: HandshakeResult): void {
    const resumptionMasterSecret = master.resumptionMasterSecret(this.transcript.hash());
    const outcome = { serverName: result.serverName, alpnProtocol: result.alpnProtocol, peerCertificates: result.peerCertificates };
    for (const ticket of newSessionTickets(this.config, this.serverConfig, master.kdf, resumptionMasterSecret, outcome)) this.io.sendHandshake(ticket);
  }

  private send(message: Uint8Array): void {
    this.transcript.add(message);
    this.io.sendHandshake(message);
  }

  private logSecret(a: Agreement, label: string, secret: Uint8Array): void {
    this.logSecretFor(a.clientRandom, label, secret);
  }

  private logSecretFor(clientRandom: Uint8Array, label: string, secret: Uint8Array): void {
    this.config.keyLog?.(`${label} ${toHex(clientRandom)} ${toHex(secret)}`);
  }
}
