// A peer's Certificate and CertificateVerify are judged by the same rules wherever they arrive:
// the server's during the handshake, the client's during the handshake, and the client's in
// post-handshake authentication (RFC 8446 §4.6.2). Each case is injected into a real exchange by
// the scripted peer and must get the alert the RFC prescribes, the same on all three paths.
import { describe, expect, it } from "vitest";
import { ExtensionType } from "../../src/handshake/codec/constants.js";
import type { Extension } from "../../src/handshake/codec/extensions.js";
import { HandshakeType, type HandshakeEdit, Tap, exchange } from "../helpers/scripted-peer.js";
import { concat, handshakeMessage } from "../helpers/framing.js";
import { body, editCertificate, onType } from "./edits.js";
import { expectAlertOnWire, expectEditRejected, expectLocal, makePair } from "./setup.js";

type AlertName = Parameters<typeof expectLocal>[1];

/** The client answers a post-handshake CertificateRequest through `edit`; the server must refuse with `alert`. */
async function expectPostHandshakeAnswerRejected(edit: HandshakeEdit, alert: AlertName): Promise<void> {
  const p = makePair({ client: { postHandshakeAuth: true }, server: { clientAuth: "none" } });
  const tap = new Tap("client", p.clientLog, p.suite);
  const toServer = (b: Uint8Array) => tap.rewrite(b, edit);
  const handshake = exchange(p.client, p.server, { toServer });
  expect([handshake.clientError, handshake.serverError]).toEqual([null, null]);
  const asked = p.server.requestClientCertificate();
  const x = exchange(p.client, p.server, { toServer });
  await expect(asked).rejects.toMatchObject({ alertName: alert });
  expectLocal(x.serverError, alert);
  expectAlertOnWire("server", p.serverLog, concat([handshake.serverWire, x.serverWire]), alert, p.suite);
}

/** The three places a peer's certificate is judged: `edit` applies to the sender's messages. */
const paths: { name: string; reject: (edit: HandshakeEdit, alert: AlertName) => void | Promise<void> }[] = [
  { name: "client: the server's Certificate in the handshake", reject: (edit, alert) => expectEditRejected("server", edit, alert) },
  { name: "server: the client's Certificate in the handshake", reject: (edit, alert) => expectEditRejected("client", edit, alert) },
  { name: "server: the client's Certificate in post-handshake authentication (§4.6.2)", reject: expectPostHandshakeAnswerRejected },
];

/** The first CertificateEntry carries `extension`. */
const withEntryExtension = (extension: Extension): HandshakeEdit =>
  editCertificate((c) => ({ ...c, certificateList: c.certificateList.map((e, i) => (i === 0 ? { ...e, extensions: [extension] } : e)) }));

describe("§4.4.2: CertificateEntry extensions must answer the request (ClientHello or CertificateRequest)", () => {
  // Neither our ClientHello nor our CertificateRequest offers status_request or signed_certificate_timestamp.
  const cases: { what: string; extension: Extension; alert: AlertName }[] = [
    {
      what: "status_request, which was not requested, gets unsupported_extension (§4.4.2)",
      extension: { type: ExtensionType.status_request, data: new Uint8Array([1, 0, 0, 0]) },
      alert: "unsupported_extension",
    },
    {
      what: "signed_certificate_timestamp, which was not requested, gets unsupported_extension (§4.4.2)",
      extension: { type: ExtensionType.signed_certificate_timestamp, data: new Uint8Array(0) },
      alert: "unsupported_extension",
    },
    {
      what: "server_name, which is not specified for Certificate, gets illegal_parameter (§4.2)",
      extension: { type: ExtensionType.server_name, data: new Uint8Array(0) },
      alert: "illegal_parameter",
    },
    {
      what: "key_share, which is not specified for Certificate, gets illegal_parameter (§4.2)",
      extension: { type: ExtensionType.key_share, data: new Uint8Array([0, 0]) },
      alert: "illegal_parameter",
    },
  ];
  for (const path of paths) {
    for (const c of cases) {
      it(`${path.name}: a CertificateEntry carrying ${c.what}`, () => path.reject(withEntryExtension(c.extension), c.alert));
    }
  }
});

describe("§4.4.2: the certificate_request_context must echo the request's", () => {
  const otherContext = editCertificate((c) => ({ ...c, certificateRequestContext: new Uint8Array([...c.certificateRequestContext, 7]) }));
  for (const path of paths) {
    it(`${path.name}: a context that differs gets illegal_parameter`, () => path.reject(otherContext, "illegal_parameter"));
  }
});

describe("§4.4.3: a CertificateVerify signed with a scheme we did not offer gets illegal_parameter", () => {
  // rsa_pkcs1_sha256 (0x0401) is for certificates only in TLS 1.3 (§4.2.3); the signature is left as it was.
  const pkcs1 = onType(HandshakeType.certificate_verify, (m) => handshakeMessage(m[0], new Uint8Array([0x04, 0x01, ...body(m).subarray(2)])));
  for (const path of paths) {
    it(`${path.name.replace("Certificate ", "CertificateVerify ")}`, () => path.reject(pkcs1, "illegal_parameter"));
  }
});
