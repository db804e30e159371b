/**
 * Webhook signatures, as GitHub signs its webhooks: `X-Rtcroom-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the raw request body under the admin key.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header's name. */
export const SIGNATURE_HEADER = 'x-rtcroom-signature';

/** `sha256=<hex HMAC-SHA256 of body under key>`. */
export function signBody(body: string | Buffer, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` under `key` (constant-time comparison). */
export function verifySignature(body: string | Buffer, header: string | undefined, key: string): boolean {
  const want = Buffer.from(signBody(body, key));
  const got = Buffer.from(header ?? '');
  return got.length === want.length && timingSafeEqual(got, want);
}
