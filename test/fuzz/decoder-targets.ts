/**
 * Fuzz targets for the pure parsers: the record layer, each handshake message decoder (RFC 8446
 * §4), the extension decoders (§4.2) and the X.509 / PEM / key / CRL parsers.
 */
import { pureProvider } from "../../src/crypto/pure.js";
import * as ext from "../../src/handshake/codec/extensions.js";
import * as msg from "../../src/handshake/codec/messages.js";
import { RecordProtection, RecordReader } from "../../src/record/index.js";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { crlChecking } from "../../src/x509/crl.js";
import { nameConstraintChecking } from "../../src/x509/name-constraint-checks.js";
import {
  VerificationBudget,
  type VerifiedChain,
  decodePem,
  parseCertificate,
  parseCertificateRevocationList,
  parsePrivateKey,
  pemCertificates,
  verifyCertificateChain,
  verifyChainWithAsync,
  webPkiProfile,
} from "../../src/x509/index.js";
import { CA_PEM, KEY_TYPES, credential } from "../helpers/fixtures.js";
import { HandshakeType } from "../helpers/scripted-peer.js";
import { golden } from "../property/golden.js";
import { fixturePems, limboDer, rfc8448Messages, rfc8448Records } from "./corpus.js";
import { CERTIFICATE_ALERTS, DECODE_ALERTS, EXTENSION_ALERTS, type FuzzTarget, KEY_ALERTS, RECORD_ALERTS, onlyTLSError, violation } from "./target.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const latin1 = (b: Uint8Array): string => new TextDecoder("latin1").decode(b);
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const prefixed = (tag: number, b: Uint8Array): Uint8Array => Uint8Array.of(tag, ...b);

// RFC 8448 §3: the server's handshake write key and IV, so the trace's protected records are valid
// seeds for the record layer in protected mode.
const RFC8448_SERVER_HS_KEY = hex("3fce516009c21727d0f2e4e86ee403bc");
const RFC8448_SERVER_HS_IV = hex("5d313eb2671276ee13000b30");

/**
 * Input: one mode byte (bit 0: records are protected under RFC 8448's server handshake key; bits
 * 1-6: feed in pieces of that many bytes, 0 = all at once), then the wire bytes.
 */
function recordLayerTarget(): FuzzTarget {
  const records = rfc8448Records();
  const seeds = [...records.map((r) => prefixed(r[0] === 23 ? 1 : 0, r)), ...records.map((r) => prefixed(r[0] === 23 ? 7 : 6, r))];
  const g = golden();
  seeds.push(prefixed(0, g.clientHello), prefixed(0, g.serverFlight.subarray(0, 5 + ((g.serverFlight[3] << 8) | g.serverFlight[4]))));
  return {
    name: "record-layer",
    seeds,
    run(input) {
      if (input.length === 0) return;
      const reader = new RecordReader();
      if (input[0] & 1) reader.protection = new RecordProtection(pureProvider.aead("AES-128-GCM", RFC8448_SERVER_HS_KEY), RFC8448_SERVER_HS_IV);
      const piece = (input[0] >> 1) & 0x3f || input.length;
      onlyTLSError(RECORD_ALERTS, () => {
        let records = 0;
        for (let at = 1; at < input.length; ) {
          const end = Math.min(input.length, at + piece);
          while (at < end) {
            const next = reader.feed(input, at, end);
            if (next === at && !reader.ready) violation("RecordReader.feed made no progress");
            at = next;
            if (!reader.ready) continue;
            reader.openRecord();
            if (reader.contentLength > 1 << 14) violation(`a ${reader.contentLength}-byte record came out of the reader`);
            reader.reset();
            if (++records > input.length) violation("more records than input bytes");
          }
        }
      });
    },
  };
}

type Decode = (body: Uint8Array) => unknown;

function messageTargets(): FuzzTarget[] {
  const g = golden();
  const rfc = rfc8448Messages();
  const ours = [...g.clientMessages, ...g.serverMessages];
  const bodies = (type: number): Uint8Array[] => [...ours.filter((m) => m[0] === type).map((m) => m.slice(4)), ...(rfc.get(type) ?? [])];
  const ticket = hex("00000e100102030402090900030707070004002a0000");
  const cases: [string, number, Decode, Uint8Array[]][] = [
    ["client_hello", HandshakeType.client_hello, msg.decodeClientHello, []],
    ["server_hello", HandshakeType.server_hello, msg.decodeServerHello, []],
    ["encrypted_extensions", HandshakeType.encrypted_extensions, msg.decodeEncryptedExtensions, []],
    ["certificate_request", HandshakeType.certificate_request, msg.decodeCertificateRequest, []],
    ["certificate", HandshakeType.certificate, msg.decodeCertificate, []],
    ["certificate_verify", HandshakeType.certificate_verify, msg.decodeCertificateVerify, []],
    ["finished", HandshakeType.finished, (b) => msg.decodeFinished(b, b.length === 48 ? 48 : 32), []],
    ["new_session_ticket", HandshakeType.new_session_ticket, msg.decodeNewSessionTicket, [ticket]],
    ["key_update", HandshakeType.key_update, msg.decodeKeyUpdate, [Uint8Array.of(0), Uint8Array.of(1)]],
  ];
  return cases.map(([name, type, decode, extra]) => ({
    name: `message-${name}`,
    seeds: [...bodies(type), ...extra],
    run: (input: Uint8Array) => void onlyTLSError(DECODE_ALERTS, () => decode(input)),
  }));
}

/** Input: a selector byte naming the decoder, then the extension_data. */
function extensionTarget(): FuzzTarget {
  const decoders: Decode[] = [
    ext.decodeSupportedVersionsClient,
    ext.decodeSupportedVersionsServer,
    (d) => ext.decodeU16List(d, "supported_groups"),
    ext.decodeKeyShareClient,
    ext.decodeKeyShareServer,
    ext.decodeKeyShareHelloRetry,
    ext.decodeServerName,
    ext.decodeAlpn,
    ext.decodeCookie,
    ext.decodeCertificateAuthorities,
  ];
  const g = golden();
  const rfc = rfc8448Messages();
  const seeds: Uint8Array[] = [];
  const add = (list: readonly ext.Extension[], hello: "client" | "server" | "other") => {
    for (const e of list) {
      const selector =
        e.type === 43 ? (hello === "client" ? 0 : 1)
        : e.type === 10 || e.type === 13 ? 2
        : e.type === 51 ? (hello === "client" ? 3 : 4)
        : e.type === 0 ? 6
        : e.type === 16 ? 7
        : e.type === 44 ? 8
        : e.type === 47 ? 9
        : -1;
      if (selector >= 0) seeds.push(prefixed(selector, e.data));
    }
  };
  const hellos = [...g.clientMessages, ...g.serverMessages].filter((m) => m[0] === 1).map((m) => m.slice(4));
  // RFC 8448 §4 shows a ClientHello cut before its binders: seeds are taken from what decodes.
  const tryAdd = (decode: () => readonly ext.Extension[], hello: "client" | "server") => {
    try {
      add(decode(), hello);
    } catch {
      /* not a seed */
    }
  };
  for (const body of [...hellos, ...(rfc.get(1) ?? [])]) tryAdd(() => msg.decodeClientHello(body).extensions, "client");
  for (const body of rfc.get(2) ?? []) tryAdd(() => msg.decodeServerHello(body).extensions, "server");
  for (const m of g.serverMessages) {
    if (m[0] === 2) add(msg.decodeServerHello(m.slice(4)).extensions, "server");
    if (m[0] === 8) add(msg.decodeEncryptedExtensions(m.slice(4)), "other");
    if (m[0] === 13) add(msg.decodeCertificateRequest(m.slice(4)).extensions, "other");
  }
  seeds.push(prefixed(5, Uint8Array.of(0, 0x17)));
  return {
    name: "extensions",
    seeds,
    run(input) {
      if (input.length === 0) return;
      const decode = decoders[input[0] % decoders.length];
      onlyTLSError(EXTENSION_ALERTS, () => decode(input.subarray(1)));
    },
  };
}

function x509Targets(): FuzzTarget[] {
  const pems = fixturePems();
  const limbo = limboDer(400);
  const fixtureDers = pems.certificates.flatMap((p) => decodePem(p).map((b) => b.der));
  const certificates = [...fixtureDers, ...limbo.certificates];
  const keys = pems.keys.flatMap((p) => [ascii(p), ...decodePem(p).map((b) => b.der)]);
  const caDer = pemCertificates(CA_PEM)[0];
  const anchors = [parseCertificate(caDer)];
  const leaves = [...KEY_TYPES.map((t) => credential(`client-${t}`).certDer), credential("untrusted-client").certDer];
  const now = new Date("2026-06-01T00:00:00Z");
  return [
    {
      name: "x509-certificate",
      seeds: certificates,
      run: (input) => void onlyTLSError(CERTIFICATE_ALERTS, () => parseCertificate(input)),
    },
    {
      name: "x509-crl",
      seeds: limbo.crls,
      run: (input) => void onlyTLSError(CERTIFICATE_ALERTS, () => parseCertificateRevocationList(input)),
    },
    {
      name: "x509-pem",
      seeds: [...pems.certificates, ...pems.keys].map(ascii),
      run: (input) => {
        onlyTLSError(DECODE_ALERTS, () => decodePem(latin1(input)));
        onlyTLSError(DECODE_ALERTS, () => pemCertificates(latin1(input)));
      },
    },
    {
      name: "x509-private-key",
      seeds: keys,
      // Input starting with "-" is PEM text; anything else is DER.
      run: (input) => void onlyTLSError(KEY_ALERTS, () => parsePrivateKey(input[0] === 0x2d ? latin1(input) : input)),
    },
    {
      // Path validation of a mutated leaf (and its issuer chain) against the test root: bounded work, only certificate alerts.
      name: "x509-chain",
      seeds: leaves,
      run: (input) =>
        void onlyTLSError(CERTIFICATE_ALERTS, () =>
          verifyCertificateChain({ chain: [input, caDer], trustAnchors: anchors, now, provider: pureProvider, purpose: "clientAuth" }),
        ),
    },
    {
      // The asynchronous chain search (x509/async-verify.ts: optimistic rounds, known answers, a
      // capped budget) against the synchronous one on the same mutated leaf: the same path or the
      // same error (alert and message), and the same budget spent. Its verify answers at once, so
      // the rounds run without a Promise; test/x509/async-verify.test.ts covers the Promises.
      name: "x509-chain-async",
      seeds: leaves,
      run(input) {
        const outcomeOf = (verify: (budget: VerificationBudget) => unknown): string => {
          const budget = new VerificationBudget();
          let result: string;
          try {
            const chain = verify(budget);
            if (chain instanceof Promise) violation("an asynchronous verify that answers at once gave a Promise");
            result = `path ${(chain as VerifiedChain).path.map((c) => c.subject.text).join(" < ")}`;
          } catch (e) {
            const error = onlyTLSError(CERTIFICATE_ALERTS, () => {
              throw e;
            });
            result = `${error?.alertName}: ${error?.message}`;
          }
          return `${result} (spent ${budget.used})`;
        };
        const options = { chain: [input, caDer], trustAnchors: anchors, now, purpose: "clientAuth" as const, parseCertificate, webPkiProfile };
        const expected = outcomeOf((budget) => verifyCertificateChain({ ...options, provider: pureProvider, budget }));
        const actual = outcomeOf((budget) =>
          verifyChainWithAsync({ ...options, provider: answersAtOnce, budget }, crlChecking.check, nameConstraintChecking.check),
        );
        if (actual !== expected) violation(`asynchronous search: ${actual}; synchronous: ${expected}`);
      },
    },
  ];
}

/** The pure provider, offering its own synchronous verify as the asynchronous one. */
const answersAtOnce: CryptoProvider = { ...pureProvider, asynchronous: pureProvider };

export function decoderTargets(): FuzzTarget[] {
  return [recordLayerTarget(), ...messageTargets(), extensionTarget(), ...x509Targets()];
}
