import { createSocket } from 'node:dgram';

/** The records of one name: each TXT entry is one record (split into 255-byte strings on the wire). */
export interface DnsRecords {
  A?: string[];
  TXT?: string[];
  MX?: string[];
  PTR?: string[];
}

export interface DnsServer {
  /** For PAPERBOY_DNS_SERVERS: `127.0.0.1:PORT`. */
  address: string;
  /** The questions asked so far, as `TYPE name`. */
  questions: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, keyof DnsRecords | 'AAAA'> = { 1: 'A', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA' };

function encodeName(name: string): Buffer {
  const labels = name.split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

function rdata(type: keyof DnsRecords, value: string): Buffer {
  if (type === 'A') return Buffer.from(value.split('.').map(Number));
  if (type === 'TXT') {
    const chunks = value.match(/[\s\S]{1,255}/g) ?? [''];
    return Buffer.concat(chunks.map((c) => Buffer.concat([Buffer.from([Buffer.byteLength(c)]), Buffer.from(c)])));
  }
  if (type === 'MX') return Buffer.concat([Buffer.from([0, 10]), encodeName(value)]);
  return encodeName(value);
}

/**
 * A real DNS server on 127.0.0.1 and a free UDP port, answering A, TXT, MX and PTR questions from
 * `zone` (names without the final dot, any case): NXDOMAIN for a name it does not hold, an empty
 * answer for a type the name lacks. `silent`: it reads every question and answers none (an outage).
 */
export async function startDnsServer(
  zone: Record<string, DnsRecords>,
  opts: { silent?: boolean } = {},
): Promise<DnsServer> {
  const records = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const questions: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    // The question: labels from byte 12, then its type and class.
    let at = 12;
    const labels: string[] = [];
    while (at < query.length && query[at] !== 0) {
      const len = query[at] ?? 0;
      labels.push(query.subarray(at + 1, at + 1 + len).toString('latin1'));
      at += len + 1;
    }
    const qtype = query.readUInt16BE(at + 1);
    const question = query.subarray(12, at + 5);
    const name = labels.join('.').toLowerCase();
    const type = TYPES[qtype];
    questions.push(`${type ?? qtype} ${name}`);
    if (opts.silent) return;
    const entry = records.get(name);
    const values = entry && type && type !== 'AAAA' ? (entry[type] ?? []) : [];
    const answers = values.map((v) => {
      const data = rdata(type as keyof DnsRecords, v);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(60, 6); // TTL
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR, AA, RD as asked, RA; NXDOMAIN (3) for a name not in the zone.
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (entry ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
