/**
 * Compares two secrets without an early exit, so the time taken does not reveal where they differ
 * (used for Finished verify_data, binders and MACs). Lengths are public.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
