/**
 * Ghost removal and the resume grace window. A member is alive while its signaling (any frame, or
 * the pong to the server's ping every second) or its media (RTP from its publisher connection,
 * RTCP from its subscriber connection) shows signs of life. One silent on both for
 * `ghostTimeoutMs` is gone: its client was killed or its network is gone, and it leaves every list.
 * A member whose session was lost but whose media still flows is only reconnecting: it is kept
 * until `resumeGraceMs` after the loss.
 * @module
 */
import type { ServerConfig } from '../config.ts';
import { stallAwareSweep } from '../signal/stall-aware.ts';
import type { Member } from './member.ts';
import type { RoomManager } from './room-manager.ts';

/** Why a member is over, or undefined while it lives. */
export function verdict(m: Member, mediaAt: number | undefined, now: number, c: Pick<ServerConfig, 'ghostTimeoutMs' | 'resumeGraceMs'>): string | undefined {
  const last = Math.max(m.lastSignalAt, mediaAt ?? -Infinity);
  if (now - last >= c.ghostTimeoutMs) return `no signaling or media for ${c.ghostTimeoutMs} ms`;
  if (m.detachedAt !== undefined && now - m.detachedAt >= c.resumeGraceMs) return `not resumed within ${c.resumeGraceMs} ms`;
  return undefined;
}

/** Sweeps every member a few times a second. */
export class LivenessMonitor {
  readonly #timer: NodeJS.Timeout;

  /**
   * @param mediaAt the member's last media activity (performance.now()), if it has media
   * @param gone called once for a member that is over
   */
  constructor(rooms: RoomManager, config: ServerConfig, mediaAt: (m: Member) => number | undefined, gone: (m: Member, reason: string) => void) {
    // heard from within the timeout and attached: alive whatever its media, which is then not
    // looked up (a sweep of every member four times a second made garbage per member)
    const check = (m: Member, now: number) =>
      m.detachedAt === undefined && now - m.lastSignalAt < config.ghostTimeoutMs ? undefined : verdict(m, mediaAt(m), now, config);
    this.#timer = stallAwareSweep(
      250,
      (now) => {
        const over: Member[] = [];
        for (const m of rooms.members()) if (check(m, now) !== undefined) over.push(m);
        return over;
      },
      (m) => {
        if (rooms.memberOf(m.appId, m.userId) !== m) return;
        const why = check(m, performance.now());
        if (why) gone(m, why);
      },
    );
  }

  /** Stops sweeping. */
  close(): void {
    clearInterval(this.#timer);
  }
}
