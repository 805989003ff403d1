/**
 * Small rewrites of real handshake messages, used with the scripted peer. They re-encode with the
 * engine's message codec: the codec's encoders are checked byte for byte against RFC 8448 elsewhere,
 * and what is under test here is how the receiving state machine reacts.
 */
import type { Extension } from "../../src/handshake/codec/extensions.js";
import {
  type CertificateMessage,
  type ClientHello,
  type ServerHello,
  decodeCertificate,
  decodeCertificateRequest,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateRequest,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeServerHello,
} from "../../src/handshake/codec/messages.js";
import { HandshakeType, type HandshakeEdit } from "../helpers/scripted-peer.js";
import { handshakeMessage } from "../helpers/framing.js";

export const body = (message: Uint8Array): Uint8Array => message.subarray(4);

/** An edit that applies `f` to the messages of `type` only. */
export function onType(type: number, f: (message: Uint8Array) => Uint8Array[] | Uint8Array): HandshakeEdit {
  return (m) => {
    if (m[0] !== type) return undefined;
    const r = f(m);
    return r instanceof Uint8Array ? [r] : r;
  };
}

export function editClientHello(f: (ch: ClientHello) => ClientHello): HandshakeEdit {
  return onType(HandshakeType.client_hello, (m) => encodeClientHello(f(decodeClientHello(body(m).slice()))));
}

export function editServerHello(f: (sh: ServerHello) => ServerHello): HandshakeEdit {
  return onType(HandshakeType.server_hello, (m) => encodeServerHello(f(decodeServerHello(body(m).slice()))));
}

export function editEncryptedExtensions(f: (e: Extension[]) => Extension[]): HandshakeEdit {
  return onType(HandshakeType.encrypted_extensions, (m) => encodeEncryptedExtensions(f(decodeEncryptedExtensions(body(m).slice()))));
}

export function editCertificateRequest(f: (e: readonly Extension[]) => Extension[]): HandshakeEdit {
  return onType(HandshakeType.certificate_request, (m) => {
    const cr = decodeCertificateRequest(body(m).slice());
    return encodeCertificateRequest({ ...cr, extensions: f(cr.extensions) });
  });
}

export function editCertificate(f: (c: CertificateMessage) => CertificateMessage): HandshakeEdit {
  return onType(HandshakeType.certificate, (m) => encodeCertificate(f(decodeCertificate(body(m).slice()))));
}

/** The message with one bit of its last byte flipped (a signature or verify_data). */
export function flipLastByte(message: Uint8Array): Uint8Array {
  const out = message.slice();
  out[out.length - 1] ^= 0x01;
  return out;
}

/** The message with its body cut to `keep` bytes and the handshake length fixed to match. */
export function truncateBody(message: Uint8Array, keep: number): Uint8Array {
  return handshakeMessage(message[0], body(message).slice(0, keep));
}

export const withoutExtension = (exts: readonly Extension[], type: number): Extension[] => exts.filter((e) => e.type !== type);
export const withExtension = (exts: readonly Extension[], ext: Extension): Extension[] => [...exts, ext];
/** The first extension of `type` repeated at the end (§4.2: duplicates are illegal_parameter). */
export function duplicated(exts: readonly Extension[], type: number): Extension[] {
  const e = exts.find((x) => x.type === type);
  if (!e) throw new Error(`no extension ${type} to duplicate`);
  return [...exts, e];
}
/** Every extension of `type` with its data replaced by `data` (the rest untouched). */
export const withExtensionData = (exts: readonly Extension[], type: number, data: Uint8Array): Extension[] =>
  exts.map((e) => (e.type === type ? { ...e, data } : e));

/** Holds back the Certificate and sends it after the CertificateVerify (§4.4: Certificate comes first). */
export function certificateVerifyBeforeCertificate(): HandshakeEdit {
  let held: Uint8Array | null = null;
  return (m) => {
    if (m[0] === HandshakeType.certificate) {
      held = m;
      return [];
    }
    if (m[0] === HandshakeType.certificate_verify && held !== null) return [m, held];
    return undefined;
  };
}
