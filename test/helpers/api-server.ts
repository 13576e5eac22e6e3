import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiServer {
  url: string;
  /** The request URLs seen, in order. */
  requests: string[];
  /** When each request arrived (ms since the epoch). */
  times: number[];
  close(): Promise<void>;
}

/**
 * A local stand-in for a paper API (Hugging Face, arXiv): `answer` decides each response
 * (status and body) from the request's number and URL.
 */
export async function startApiServer(
  answer: (n: number, url: URL) => { status: number; body: unknown; delayMs?: number },
): Promise<ApiServer> {
  const requests: string[] = [];
  const times: number[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${url.pathname}${url.search}`);
    times.push(Date.now());
    const a = answer(requests.length, url);
    const send = () => {
      if (res.destroyed) return;
      const xml = typeof a.body === 'string' && a.body.startsWith('<?xml');
      res.writeHead(a.status, { 'content-type': xml ? 'application/atom+xml; charset=utf-8' : 'application/json' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    };
    if (a.delayMs) setTimeout(send, a.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/daily_papers`,
    requests,
    times,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
