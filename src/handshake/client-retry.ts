/**
 * What the client checks in a HelloRetryRequest (RFC 8446 §4.1.4) before it builds the second
 * ClientHello: the group it asks for and the cookie it hands back.
 */
import { fail } from "../bytes/index.js";
import type { GroupName } from "../crypto/provider.js";
import { type CipherSuite, ExtensionType, groupByCode } from "./constants.js";
import { type Extension, decodeCookie, decodeKeyShareHelloRetry, findExtension } from "./extensions.js";

/** What the HelloRetryRequest asked for. */
export interface HelloRetry {
  readonly suite: CipherSuite;
  /** The group to send a key share for in the second ClientHello, or null to keep ours. */
  readonly group: GroupName | null;
  /** §4.2.2: the cookie to echo, if any. */
  readonly cookie: Uint8Array | null;
}

/**
 * The HelloRetryRequest's key_share and cookie, checked against the `groups` we support and the
 * groups we `sentShares` for; `suite` is the one it selected, already checked.
 */
export function checkHelloRetryRequest(
  extensions: readonly Extension[],
  suite: CipherSuite,
  groups: readonly GroupName[],
  sentShares: readonly GroupName[],
): HelloRetry {
  const shareData = findExtension(extensions, ExtensionType.key_share);
  const cookieData = findExtension(extensions, ExtensionType.cookie);
  let group: GroupName | null = null;
  if (shareData !== undefined) {
    const code = decodeKeyShareHelloRetry(shareData);
    const g = groupByCode(code);
    // §4.2.8: the group must be one we support, and not one we already sent a share for.
    if (!g || !groups.includes(g)) fail("illegal_parameter", "HelloRetryRequest asks for a group we did not offer");
    if (sentShares.includes(g)) {
      fail("illegal_parameter", `HelloRetryRequest asks for ${g}, for which we already sent a key share`);
    }
    group = g;
  }
  const cookie = cookieData !== undefined ? decodeCookie(cookieData) : null;
  // §4.1.4: an HRR that would not change the ClientHello is illegal.
  if (group === null && cookie === null) fail("illegal_parameter", "HelloRetryRequest would not change the ClientHello");
  return { suite, group, cookie };
}
