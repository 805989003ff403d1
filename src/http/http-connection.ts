/**
 * A SecureConnection as HTTP reads it: chunks with an idle deadline, and bytes read past the end of
 * one message put back for the next read.
 */
import type { SecureConnection } from "../transport/secure-connection.js";
import { type ScheduleTimeout, withDeadline } from "../transport/timer.js";
import { HttpError } from "./http-error.js";

export class HttpConnection {
  private unread: Uint8Array | null = null;
  /** Requests this connection has carried, for tests and logs. */
  requests = 0;
  private closing: Promise<void> | null = null;

  constructor(
    readonly secure: SecureConnection,
    /** The pool's key for this connection's origin and TLS options. */
    readonly origin: string,
    readonly options: object,
    private readonly schedule: ScheduleTimeout | null,
  ) {}

  get closed(): boolean {
    return this.closing !== null;
  }

  /** The next bytes, or null after the server's close_notify; rejects with HttpError `timeout` after `ms` without data (no limit when undefined). */
  async read(ms: number | undefined, what: string): Promise<Uint8Array | null> {
    if (this.unread !== null) {
      const bytes = this.unread;
      this.unread = null;
      return bytes;
    }
    return withDeadline(this.secure.read(), ms, this.schedule, () => {
      this.close();
      return new HttpError("timeout", `no ${what} from the server within ${ms} ms`);
    });
  }

  putBack(bytes: Uint8Array): void {
    if (bytes.length > 0) this.unread = bytes;
  }

  /** Whether bytes beyond the last message are waiting (a server that sent more than it framed). */
  get hasUnread(): boolean {
    return this.unread !== null;
  }

  /** Closes the connection (close_notify, bounded wait for the server's); never rejects. */
  close(): Promise<void> {
    this.closing ??= this.secure.close();
    return this.closing;
  }
}
