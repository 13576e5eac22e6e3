import RelaxedBody from 'nodemailer/lib/dkim/relaxed-body';
import { describe, expect, it } from 'vitest';
import { bodyHash, canonicalPiece } from '../../src/send/dkim-sign.js';

/** nodemailer's relaxed body hash of the whole body: the reference. */
function nodemailerHash(body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new RelaxedBody({ hashAlgo: 'sha256' });
    r.on('hash', resolve);
    r.on('error', reject);
    r.resume();
    r.end(body);
  });
}

/** Splits a body after line breaks at the given positions: every piece but the last ends a line. */
function piecesAt(body: string, cuts: number[]): Buffer[] {
  const ends = [...body.matchAll(/\n/g)].map((m) => m.index + 1);
  const at = [...new Set(cuts.map((c) => ends[c % Math.max(ends.length, 1)] ?? 0))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const a of at) {
    out.push(Buffer.from(body.slice(from, a), 'latin1'));
    from = a;
  }
  out.push(Buffer.from(body.slice(from), 'latin1'));
  return out;
}

describe('relaxed body canonicalization in pieces (DKIM)', () => {
  const bodies = [
    '',
    '\r\n',
    '\r\n\r\n\r\n',
    'one line',
    'one line\r\n',
    'a  b\t\tc   \r\n\r\n  lead\r\n\t\r\n   \r\nend  \r\n\r\n\r\n',
    '\r\n\r\nstarts with empty lines\r\nand ends without a break   ',
    'bare\nLF\n\nand bare\rCR\r\r\nand CR CR LF\r\r\n',
    'quoted=20printable=\r\nsoft break line =\r\n\r\n--=_pb_boundary--\r\n',
    ' \t \r\n \r\nonly blank lines above\r\n \t\r\n',
  ];

  it('hashes every body as nodemailer does, in one piece', async () => {
    for (const body of bodies) {
      const b = Buffer.from(body, 'latin1');
      expect(bodyHash([canonicalPiece(b)]), JSON.stringify(body)).toBe(await nodemailerHash(b));
    }
  });

  it('hashes every body as nodemailer does, cut into pieces at line ends, empty pieces included', async () => {
    for (const body of bodies) {
      for (const cuts of [[0], [1], [0, 1, 2], [2, 5, 7], [3, 3, 4, 9]]) {
        const pieces = piecesAt(body, cuts);
        // An empty piece between two others (a value that is empty) changes nothing.
        pieces.splice(1, 0, Buffer.alloc(0));
        expect(bodyHash(pieces.map(canonicalPiece)), `${JSON.stringify(body)} at ${cuts}`).toBe(
          await nodemailerHash(Buffer.from(body, 'latin1')),
        );
      }
    }
  });

  it('keeps the pieces apart: leading and trailing empty lines counted, runs of blanks made one space', () => {
    expect(canonicalPiece(Buffer.from('\r\n\r\na \t b  \r\n\r\n', 'latin1'))).toEqual({
      lead: 2,
      bytes: Buffer.from('a b\r\n'),
      trail: 1,
      open: false,
      hasContent: true,
    });
    expect(canonicalPiece(Buffer.from('x  ', 'latin1'))).toMatchObject({ bytes: Buffer.from('x'), open: true });
  });

  it('refuses a piece before the last that ends inside a line: its form depends on what follows', () => {
    const pieces = [canonicalPiece(Buffer.from('half a ')), canonicalPiece(Buffer.from('line\r\n'))];
    expect(() => bodyHash(pieces)).toThrowError(
      'DKIM: a body piece before the last ends inside a line; its canonical form depends on the next',
    );
  });
});
