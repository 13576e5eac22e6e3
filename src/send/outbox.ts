import { constants } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Transport } from './transport.js';

/** The file an outbox message is kept in: named after its Message-ID, so a retry rewrites the same file. */
export function outboxFileName(messageId: string): string {
  return `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_')}.eml`;
}

/** Writes each message as an .eml file into `dir` instead of sending it: nothing leaves the machine. */
export function outboxTransport(dir: string): Transport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'outbox',
    description: `outbox ${dir}`,
    async send(message) {
      const info = await composer.sendMail(message);
      const file = path.join(dir, outboxFileName(String(info.messageId)));
      await mkdir(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, info.message as Buffer);
      await rename(tmp, file);
      return { response: `written to ${file}` };
    },
    async verify() {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    },
    async close() {},
  };
}
