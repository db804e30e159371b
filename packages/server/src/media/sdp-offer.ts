/**
 * Publisher offers as werift can take them, and a check of our answer against what the
 * client declared.
 *
 * Firefox (like the specs, RFC 8843 and JSEP) offers every bundled m-section but the first with
 * port 0 and `a=bundle-only`: it only exists inside the BUNDLE group and shares the first
 * m-section's transport. werift reads port 0 as "rejected" and answers `m=video 0 … a=inactive`,
 * so Firefox joined, captured and sent nothing. {@link normaliseOffer} gives such m-sections
 * the bundle's transport before werift sees the offer. The rest of what Firefox does
 * differently was checked against werift with real offers (`fixtures/*.sdp` here) and needs no
 * change: its extmap ids are echoed back per m-section, ssrc lines without msid and the RTX
 * `ssrc-group:FID` are read, the session-level fingerprint is used, rtcp-fb (transport-cc on
 * audio too) is intersected with ours, and `a=setup:actpass` lets us answer as DTLS server.
 *
 * {@link rejectedSources} finds declared sources our answer did not accept, so a negotiation
 * that would leave a black tile fails loudly instead.
 * @module
 */

/** An SDP split into its session part and its m-sections, lines without CRLF. */
export interface SplitSdp {
  /** Lines before the first `m=`. */
  session: string[];
  /** Lines of each m-section, the `m=` line first. */
  media: string[][];
}

/** Splits an SDP into session lines and m-sections (any of CRLF or LF line ends). */
export function splitSdp(sdp: string): SplitSdp {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const out: SplitSdp = { session: [], media: [] };
  for (const line of lines) {
    if (line.startsWith('m=')) out.media.push([line]);
    else if (out.media.length) out.media.at(-1)!.push(line);
    else out.session.push(line);
  }
  return out;
}

/** Joins a {@link SplitSdp} back into an SDP with CRLF line ends. */
export function joinSdp(s: SplitSdp): string {
  return [...s.session, ...s.media.flat()].join('\r\n') + '\r\n';
}

/** The value of the first `a=<name>:` line of `lines`, or `undefined`. */
function attr(lines: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
}

/** The port of an m-section. */
function portOf(m: readonly string[]): number {
  return Number(m[0]!.split(' ')[1]);
}

/** The mids of the session's BUNDLE groups, in order. */
function bundleGroups(session: readonly string[]): string[][] {
  return session.filter((l) => l.startsWith('a=group:BUNDLE')).map((l) => l.split(' ').slice(1));
}

/** Transport attributes a bundle-only m-section takes from the bundle's tagged m-section. */
const TRANSPORT_ATTRS = ['ice-ufrag', 'ice-pwd', 'fingerprint', 'setup'] as const;

/** What {@link normaliseOffer} did. */
export interface NormalisedOffer {
  /** The offer werift gets. */
  sdp: string;
  /** Mids of bundle-only m-sections that were given the bundle's transport. */
  bundleOnly: string[];
}

/**
 * Rewrites `a=bundle-only` m-sections (port 0) inside a BUNDLE group to carry the transport of
 * the group's tagged m-section (its port and, where missing, ICE credentials, fingerprint,
 * setup role and rtcp-mux), as werift expects of bundled m-sections. m-sections with port 0
 * that are not bundle-only, or not in a group with a usable tagged m-section, stay rejected.
 */
export function normaliseOffer(sdp: string): NormalisedOffer {
  const s = splitSdp(sdp);
  const byMid = new Map<string, string[]>();
  for (const m of s.media) {
    const mid = attr(m, 'mid');
    if (mid !== undefined) byMid.set(mid, m);
  }
  const bundleOnly: string[] = [];
  for (const group of bundleGroups(s.session)) {
    // the tagged m-section: the first of the group that has a transport of its own
    const tagged = group.map((mid) => byMid.get(mid)).find((m) => m && portOf(m) !== 0 && !m.includes('a=bundle-only'));
    if (!tagged) continue;
    for (const mid of group) {
      const m = byMid.get(mid);
      if (!m || m === tagged || portOf(m) !== 0 || !m.includes('a=bundle-only')) continue;
      const parts = m[0]!.split(' ');
      parts[1] = String(portOf(tagged));
      m[0] = parts.join(' ');
      m.splice(m.indexOf('a=bundle-only'), 1);
      for (const name of TRANSPORT_ATTRS) {
        const value = attr(tagged, name);
        if (value !== undefined && attr(m, name) === undefined && (name !== 'fingerprint' || attr(s.session, name) === undefined)) m.push(`a=${name}:${value}`);
      }
      if (tagged.includes('a=rtcp-mux') && !m.includes('a=rtcp-mux')) m.push('a=rtcp-mux');
      bundleOnly.push(mid);
    }
  }
  return { sdp: bundleOnly.length ? joinSdp(s) : sdp, bundleOnly };
}

/** A declared source our answer does not receive, and why. */
export interface RejectedSource<S extends string = string> {
  /** The m-section's mid. */
  mid: string;
  /** The source the client declared for it. */
  source: S;
  /** What the answer says: `missing`, `port 0` or the direction (`inactive`, `sendonly`). */
  reason: string;
}

/**
 * Declared sources (`mid → source`) that `answer` rejects or does not receive: no m-section with
 * that mid, port 0, or a direction other than `recvonly`/`sendrecv`.
 */
export function rejectedSources<S extends string>(answer: string, sources: Readonly<Record<string, S>>): RejectedSource<S>[] {
  const byMid = new Map<string, string[]>();
  for (const m of splitSdp(answer).media) {
    const mid = attr(m, 'mid');
    if (mid !== undefined) byMid.set(mid, m);
  }
  const out: RejectedSource<S>[] = [];
  for (const [mid, source] of Object.entries(sources)) {
    const m = byMid.get(mid);
    if (!m) {
      out.push({ mid, source, reason: 'missing' });
      continue;
    }
    if (portOf(m) === 0) {
      out.push({ mid, source, reason: 'port 0' });
      continue;
    }
    const dir = m.find((l) => l === 'a=recvonly' || l === 'a=sendrecv' || l === 'a=sendonly' || l === 'a=inactive')?.slice(2) ?? 'sendrecv';
    if (dir !== 'recvonly' && dir !== 'sendrecv') out.push({ mid, source, reason: dir });
  }
  return out;
}

/**
 * The simulcast layers each m-section of an offer sends, by mid: the RTP stream ids of its
 * `a=simulcast:send` line in their order (the SDK lists them lowest first; `~` marks a layer
 * paused at the start, still a layer; `,` alternatives count once), else its `a=rid:… send`
 * lines in order. Sections without simulcast are absent.
 */
export function simulcastRids(sdp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of splitSdp(sdp).media) {
    const mid = attr(m, 'mid');
    if (mid === undefined) continue;
    const line = attr(m, 'simulcast');
    let rids: string[] = [];
    const send = line && /(?:^|\s)send\s+(\S+)/.exec(line)?.[1];
    if (send) rids = send.split(';').map((alt) => alt.split(',')[0]!.replace(/^~/, '').replace(/^rid=/, ''));
    else rids = m.filter((l) => /^a=rid:\S+ send/.test(l)).map((l) => l.slice(6).split(' ')[0]!);
    if (rids.length > 1) out.set(mid, rids);
  }
  return out;
}
