/**
 * Copies `length` bytes between buffers without allocating on the per-record path.
 *
 * `Uint8Array.set` needs a whole typed array as its source, and cutting a range out with
 * `subarray` allocates a view per call: on the per-record path that is garbage for every record.
 * So a whole-array source uses `set` (a native memcpy), a range inside one buffer uses
 * `copyWithin`, and a range between two buffers is copied four bytes at a time through DataViews
 * (about twice as fast as a byte loop in V8). The DataViews are made once per buffer and kept in a
 * WeakMap, so the connection's own buffers and a caller's reused buffers cost nothing after the
 * first call; a short copy uses a plain byte loop and never touches the map.
 */
const views = new WeakMap<Uint8Array, DataView>();
/** Below this many bytes a byte loop is as fast as looking the views up. */
const WORD_COPY_THRESHOLD = 64;

function viewOf(buf: Uint8Array): DataView {
  let view = views.get(buf);
  if (view === undefined) {
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    views.set(buf, view);
  }
  return view;
}

export function copyBytes(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
  if (srcOffset === 0 && length === src.length) {
    dst.set(src, dstOffset);
    return;
  }
  if (src === dst) {
    dst.copyWithin(dstOffset, srcOffset, srcOffset + length);
    return;
  }
  let i = 0;
  if (length >= WORD_COPY_THRESHOLD) {
    const from = viewOf(src);
    const to = viewOf(dst);
    for (; i + 4 <= length; i += 4) to.setInt32(dstOffset + i, from.getInt32(srcOffset + i));
  }
  for (; i < length; i++) dst[dstOffset + i] = src[srcOffset + i];
}

/** Ranges at least this long are worth a cached view (memcpy); shorter ones use `copyBytes`. */
const RANGE_VIEW_THRESHOLD = 256;

/**
 * One copy site on the record path (say, "decrypted content into the receive queue") that keeps
 * its last source range as a `subarray` view. Bulk data moves in records of one size, so the same
 * (source, offset, length) comes back record after record: from its second occurrence on, the copy
 * is a native `set` of the cached view (a memcpy) instead of a word loop, and allocates nothing.
 * A range seen once is copied by `copyBytes`, so ever-changing ranges never allocate; at most one
 * view is made per two copies, and none in steady state.
 *
 * The view keeps its source buffer reachable until the next copy from this site.
 */
export class RangeCopier {
  private source: Uint8Array | null = null;
  private offset = -1;
  private length = -1;
  private view: Uint8Array | null = null;

  copy(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
    if (length < RANGE_VIEW_THRESHOLD || src.buffer === dst.buffer) {
      // Same ArrayBuffer: `set` would clone the source first (an allocation); copyWithin does not.
      copyBytes(src, srcOffset, dst, dstOffset, length);
      return;
    }
    if (src === this.source && srcOffset === this.offset && length === this.length) {
      if (this.view === null) this.view = src.subarray(srcOffset, srcOffset + length);
      dst.set(this.view, dstOffset);
      return;
    }
    this.source = src;
    this.offset = srcOffset;
    this.length = length;
    this.view = null;
    copyBytes(src, srcOffset, dst, dstOffset, length);
  }
}
