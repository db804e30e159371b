/**
 * JSON replies and bounded request bodies, shared by the HTTP routes and the admin API.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sends `body` as JSON with `status` (never cached); `headers` are added. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Reads the request body as UTF-8; rejects once it grows past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new Error(`body larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
