/** Every fuzz target, by name. `live` adds seeds captured from Node's tls on loopback sockets. */
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { golden } from "../property/golden.js";
import { connectionTargets } from "./connection-targets.js";
import { captureNodeClientHello, captureNodeServerFlight, rfc8448Records } from "./corpus.js";
import { decoderTargets } from "./decoder-targets.js";
import { differentialTargets } from "./differential-targets.js";
import { httpTargets } from "./http-targets.js";
import type { FuzzTarget } from "./target.js";

export async function loadTargets(options: { live: boolean }): Promise<FuzzTarget[]> {
  const clientHellos = rfc8448Records().filter((r) => r[0] === 22 && r[5] === 1);
  const serverFlights: Uint8Array[] = [];
  if (options.live) {
    const server = serverCredential("p256");
    try {
      clientHellos.push(await captureNodeClientHello());
      serverFlights.push(await captureNodeServerFlight(golden().clientHello, server.certPem, server.keyPem, CA_PEM));
    } catch (e) {
      // Seeds only: the targets still run from the RFC 8448 and pinned-handshake corpus.
      console.warn(`fuzz: could not capture Node tls seeds (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return [...decoderTargets(), ...connectionTargets(clientHellos, serverFlights), ...differentialTargets(), ...httpTargets()];
}
