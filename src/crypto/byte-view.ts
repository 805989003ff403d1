/**
 * A DataView over the caller's buffer, made once per buffer rather than per call. The ciphers read
 * and write 32-bit words at any byte offset through it (records start 5 bytes into a buffer, so a
 * Uint32Array view would not line up): one DataView access instead of four byte accesses, with no
 * allocation once the record layer keeps passing the same connection-owned buffer.
 *
 * It keeps a reference to the last buffer it saw; for the record layer that is the connection's
 * own buffer, which lives exactly as long as the key anyway.
 */
/** Views of every buffer seen, so buffers that take turns (record buffers from a shared pool) cost one view each, once. */
const views = new WeakMap<Uint8Array, DataView>();

export class ByteView {
  private bytes: Uint8Array | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  of(buf: Uint8Array): DataView {
    if (buf !== this.bytes) {
      let view = views.get(buf);
      if (view === undefined) {
        view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        views.set(buf, view);
      }
      this.view = view;
      this.bytes = buf;
    }
    return this.view;
  }
}
