// Loss and "who is receiving" for one measurement window, from counters only (no I/O): what each
// publisher sent in the window × the subscribers that should receive it, against what each
// subscriber received. A subscriber that receives nothing still expects everything its publishers
// sent, so a stalled subscriber shows as loss and as not receiving.

/** A media kind a publisher sends and a subscriber receives. */
export type Kind = 'audio' | 'video';

/** Packet counts per kind (what a publisher sent, or what a subscriber received). */
export interface KindCounts {
  audio: number;
  video: number;
}

/** Which kinds of publisher `pub` (index) subscriber `sub` (index) should receive; `[]` for none. */
export type Receives = (sub: number, pub: number) => readonly Kind[];

/** Subscribers receive both kinds of every publisher. */
export const EVERY_KIND: readonly Kind[] = ['audio', 'video'];

/** The accounting of one window over all subscribers. */
export interface WindowAccounting {
  /** Packets the subscribers should have received: Σ over subscribers of their publishers' sent packets. */
  expected: number;
  /** Packets they received, each subscriber's count capped per kind at what it should have received. */
  received: number;
  /** 1 − received / expected, % (0 when nothing was expected). */
  lossPercent: number;
  /**
   * Subscribers that received at least one packet of every kind they should have received. Counts
   * are per kind, not per publisher: in a meeting, a subscriber missing one publisher of several
   * still counts as receiving, and its missing packets show as loss.
   */
  receiving: number;
  /** All subscribers. */
  subscribers: number;
  /** Indices of the subscribers that did not (see `receiving`). */
  notReceiving: number[];
  /** Per subscriber: what it should have received and what it did (capped per kind, as in the totals). */
  bySubscriber: { expected: number; received: number }[];
}

const KINDS: readonly Kind[] = ['audio', 'video'];

/** What subscriber `sub` should receive per kind, given what each publisher sent. */
function expectedOf(sub: number, sent: readonly KindCounts[], receives: Receives): KindCounts {
  const e: KindCounts = { audio: 0, video: 0 };
  sent.forEach((s, pub) => {
    for (const k of receives(sub, pub)) e[k] += s[k];
  });
  return e;
}

/**
 * Accounts one window. `sent[p]` is what publisher `p` sent in the window, `received[s]` what
 * subscriber `s` received of it. A subscriber's surplus (a duplicate, a packet from before the
 * window) is capped per kind, so it can never hide another subscriber's loss.
 */
export function accountWindow(sent: readonly KindCounts[], received: readonly KindCounts[], receives: Receives): WindowAccounting {
  let expected = 0;
  let got = 0;
  const notReceiving: number[] = [];
  const bySubscriber: { expected: number; received: number }[] = [];
  received.forEach((r, sub) => {
    const e = expectedOf(sub, sent, receives);
    let missingKind = false;
    let mine = 0;
    let mineGot = 0;
    for (const k of KINDS) {
      mine += e[k];
      mineGot += Math.min(Math.max(0, r[k]), e[k]);
      if (e[k] > 0 && r[k] <= 0) missingKind = true;
    }
    expected += mine;
    got += mineGot;
    bySubscriber.push({ expected: mine, received: mineGot });
    if (missingKind) notReceiving.push(sub);
  });
  return {
    expected,
    received: got,
    lossPercent: expected > 0 ? (1 - got / expected) * 100 : 0,
    receiving: received.length - notReceiving.length,
    subscribers: received.length,
    notReceiving,
    bySubscriber,
  };
}

/**
 * Indices of the subscribers still waiting for media: those that have received nothing of some
 * kind they should receive and that their publishers have sent (`sentSoFar`, totals since start).
 */
export function waitingSubscribers(sentSoFar: readonly KindCounts[], receivedSoFar: readonly KindCounts[], receives: Receives): number[] {
  return accountWindow(sentSoFar, receivedSoFar, receives).notReceiving;
}

/**
 * Why a level's figures are not valid, or undefined when they are: some subscribers never received
 * media in the warm-up (`waitingAfterWarmup` of them), or some received none in the window.
 */
export function failureReason(w: { receiving: number; subscribers: number; waitingAfterWarmup: number; warmupMs: number }): string | undefined {
  const reasons: string[] = [];
  if (w.waitingAfterWarmup > 0) reasons.push(`${w.waitingAfterWarmup}/${w.subscribers} subscribers were not receiving media after the ${w.warmupMs / 1000} s warm-up`);
  if (w.receiving < w.subscribers) reasons.push(`only ${w.receiving}/${w.subscribers} subscribers received media in the window`);
  return reasons.length ? reasons.join('; ') : undefined;
}

/** Counts equal strings, most frequent first: `3 × failed (ICE connected, DTLS failed), 1 × connected`. */
export function tally(values: readonly string[]): string {
  const n = new Map<string, number>();
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1]).map(([v, k]) => `${k} × ${v}`).join(', ');
}
