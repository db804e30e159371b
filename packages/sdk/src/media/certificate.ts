/**
 * The page's DTLS certificate, made ahead of the first media connection. A connection given no
 * certificate makes its own key when it is constructed, on the join's path (6–13 ms measured in
 * Chromium here, of a join's first-frame time); one made while the context is created (or the
 * socket opens) costs the join nothing, and every connection of the page shares it, as a page's
 * connections may.
 * @module
 */

/** A certificate is replaced this long before it expires (ms). */
const RENEW_BEFORE_MS = 60 * 60 * 1000;

let made: RTCCertificate | undefined;
let making: Promise<void> | undefined;

/**
 * Starts making the page's certificate (ECDSA P-256, as browsers make by default) unless one is
 * ready or on its way; a browser that cannot leaves connections to make their own.
 */
export function prepareCertificate(): void {
  if (making || (made && made.expires - Date.now() > RENEW_BEFORE_MS)) return;
  if (typeof RTCPeerConnection === 'undefined' || typeof RTCPeerConnection.generateCertificate !== 'function') return;
  const params: EcKeyGenParams & { name: 'ECDSA' } = { name: 'ECDSA', namedCurve: 'P-256' };
  making = RTCPeerConnection.generateCertificate(params).then(
    (c) => {
      made = c;
      making = undefined;
    },
    () => {
      making = undefined;
    },
  );
}

/** The certificates for a new connection: the page's, when ready and not about to expire. */
export function certificates(): RTCCertificate[] | undefined {
  if (made && made.expires - Date.now() > RENEW_BEFORE_MS) return [made];
  prepareCertificate();
  return undefined;
}
