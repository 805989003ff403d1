// RFC 8446 MUSTs on the wire that an outside conformance suite found missing (issue 11 §4), and
// their siblings: each test sends exactly the offending ClientHello, ServerHello or record
// through the scripted peer and asserts the alert the RFC prescribes, sent once, on the wire.
import { describe, it } from "vitest";
import { ExtensionType } from "../../src/handshake/constants.js";
import { editClientHello, editServerHello } from "./edits.js";
import { expectEditRejected, makePair } from "./setup.js";

const hrrPair = () =>
  makePair({ client: { groups: ["x25519", "secp256r1"], keyShareGroups: ["x25519"] }, server: { groups: ["secp256r1"] } });

describe("Appendix D.5: a Hello with legacy_version 0x0300 or less gets protocol_version", () => {
  for (const version of [0x0300, 0x0200, 0x0002, 0x0000]) {
    const hex = `0x${version.toString(16).padStart(4, "0")}`;
    it(`server: ClientHello legacy_version ${hex} (with a supported_versions offering TLS 1.3)`, () => {
      expectEditRejected("client", editClientHello((ch) => ({ ...ch, legacyVersion: version })), "protocol_version");
    });
    it(`client: ServerHello legacy_version ${hex}`, () => {
      expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacyVersion: version })), "protocol_version");
    });
  }
  it("client: HelloRetryRequest legacy_version 0x0300 (§4.1.4 checks it as §4.1.3 says)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacyVersion: 0x0300 })), "protocol_version", hrrPair());
  });
});
