/**
 * Writes a two-party TCP conversation as a classic pcap file (LINKTYPE_RAW: IPv4 packets), so
 * tshark can dissect and decrypt a TLS session our test ran in memory, without needing
 * permission to capture on an interface. Checksums are left zero (tshark does not verify them
 * by default); sequence numbers follow the bytes, after a SYN / SYN-ACK / ACK opening.
 */
import { writeFileSync } from "node:fs";

const CLIENT = { ip: [127, 0, 0, 1], port: 50000 };
/** Not 443: tshark would hand the decrypted bytes to its HTTP dissector. Decode it with `-d tcp.port==4433,tls`. */
export const PCAP_SERVER_PORT = 4433;
const SERVER = { ip: [127, 0, 0, 2], port: PCAP_SERVER_PORT };
const MAX_SEGMENT = 16_000;

/** A sans-I/O connection as far as the pump needs it. */
interface Endpoint {
  takeOutput(): Uint8Array | null;
  receive(bytes: Uint8Array): void;
}

/** Moves bytes both ways until quiet, recording each flight in the pcap. */
export function pumpRecorded(client: Endpoint, server: Endpoint, pcap: PcapConversation): void {
  for (let round = 0; round < 50; round++) {
    const c = client.takeOutput();
    if (c) {
      pcap.send("client", c);
      server.receive(c);
    }
    const s = server.takeOutput();
    if (s) {
      pcap.send("server", s);
      client.receive(s);
    }
    if (!c && !s) return;
  }
  throw new Error("pump: still exchanging bytes after 50 rounds");
}

export class PcapConversation {
  private readonly packets: Buffer[] = [];
  private seq = { client: 1000, server: 5000 };

  constructor() {
    this.segment("client", 0x02, new Uint8Array(0)); // SYN
    this.seq.client++;
    this.segment("server", 0x12, new Uint8Array(0)); // SYN, ACK
    this.seq.server++;
    this.segment("client", 0x10, new Uint8Array(0)); // ACK
  }

  /** Records `bytes` sent by `from`, split into segments. */
  send(from: "client" | "server", bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + MAX_SEGMENT));
      this.segment(from, 0x18, part); // PSH, ACK
      this.seq[from] += part.length;
    }
  }

  private segment(from: "client" | "server", flags: number, payload: Uint8Array): void {
    const [src, dst] = from === "client" ? [CLIENT, SERVER] : [SERVER, CLIENT];
    const ack = from === "client" ? this.seq.server : this.seq.client;
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(src.port, 0);
    tcp.writeUInt16BE(dst.port, 2);
    tcp.writeUInt32BE(this.seq[from] >>> 0, 4);
    tcp.writeUInt32BE(flags & 0x10 ? ack >>> 0 : 0, 8);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp.writeUInt16BE(65535, 14);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + payload.length, 2);
    ip[8] = 64;
    ip[9] = 6; // TCP
    Buffer.from(src.ip).copy(ip, 12);
    Buffer.from(dst.ip).copy(ip, 16);
    this.packets.push(Buffer.concat([ip, tcp, payload]));
  }

  write(path: string): void {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(101, 20); // LINKTYPE_RAW
    const records = this.packets.map((p, i) => {
      const h = Buffer.alloc(16);
      h.writeUInt32LE(1_700_000_000, 0);
      h.writeUInt32LE(i, 4);
      h.writeUInt32LE(p.length, 8);
      h.writeUInt32LE(p.length, 12);
      return Buffer.concat([h, p]);
    });
    writeFileSync(path, Buffer.concat([header, ...records]));
  }
}
