import { request } from 'node:http';
import type { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP/1.1 request over a real socket with exactly the headers given (fetch will not send a
 * chosen Host). A body may be a stream; the answer is taken as soon as it comes, even when the
 * server answers before the whole body is sent (a 413) and then closes the connection.
 */
export function rawRequest(
  base: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer | Readable },
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      method: opts.method ?? 'GET',
      path: opts.path,
      headers: opts.headers,
      setHost: opts.headers?.host === undefined,
      // A connection of its own: on the global keep-alive agent every request added its error
      // listener to the same socket (MaxListenersExceededWarning after ten requests).
      agent: false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    // Writing the rest of a refused body fails once the server closes: the answer already came.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    // The socket may report that failure (EPIPE) after the response has let go of it.
    req.on('socket', (socket) =>
      socket.on('error', (err) => {
        if (!answered) reject(err);
      }),
    );
    const body = opts.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', () => req.destroy());
      body.pipe(req);
    }
  });
}
