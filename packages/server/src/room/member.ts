/**
 * A member: one user in one room, bound to one signaling session.
 * @module
 */

/** Where a member's events go (the signaling session implements it). */
export interface MemberSink {
  /** Sends an already serialised frame. */
  sendRaw(frame: string): void;
}

/** What the token allowed at join. Expiries are Unix seconds; 0 = never; undefined = not granted. */
export interface MemberGrants {
  /** Token-level expiry (0 = never). */
  tokenExpireAt: number;
  /** Publish privilege expiry, if granted. */
  publishExpireAt: number | undefined;
  /** Subscribe privilege expiry, if granted. */
  subscribeExpireAt: number | undefined;
}

let nextKey = 1;

/** One user in one room. */
export class Member {
  /** Process-unique number of this stay (a user who leaves and joins again is a new member); names it to media workers. */
  readonly key = nextKey++;
  /** App the member belongs to. */
  readonly appId: string;
  /** Room id (within the app). */
  readonly roomId: string;
  /** User id. */
  readonly userId: string;
  /** Event sink: the member's signaling session (a detached member's sink drops events). */
  sink: MemberSink;
  /** Proves a new session may take this member over (`resumeSession`). */
  resumeToken: string | undefined;
  /** When its session was lost (performance.now()), while it waits for a resume. */
  detachedAt: number | undefined;
  /** Last sign of life on signaling (any frame or pong; performance.now()). */
  lastSignalAt = performance.now();
  /** Token grants. */
  grants: MemberGrants;
  /** When the member joined (ms since epoch). */
  readonly joinedAt = Date.now();
  /** `roomConfig.autoSubscribe` of the join (default true). */
  autoSubscribe = true;
  /** Visible members appear in everyone's lists; invisible ones only in their own, and cannot publish. */
  visible = true;
  /** Token expiry timers, once joined. */
  watch: { stop(): void; renewed(): void; warningDue(now?: number): number | undefined } | undefined;

  constructor(appId: string, roomId: string, userId: string, sink: MemberSink, grants: MemberGrants) {
    this.appId = appId;
    this.roomId = roomId;
    this.userId = userId;
    this.sink = sink;
    this.grants = grants;
  }

  /** Whether a privilege with this expiry is usable at `nowSec` (and the token too). */
  #valid(expireAt: number | undefined, nowSec: number): boolean {
    const tokenOk = this.grants.tokenExpireAt === 0 || nowSec <= this.grants.tokenExpireAt;
    return tokenOk && expireAt !== undefined && (expireAt === 0 || nowSec <= expireAt);
  }

  /** Why the member may not publish now, or undefined when it may. */
  publishDenied(nowSec = Math.floor(Date.now() / 1000)): string | undefined {
    if (!this.visible) return 'the user is invisible (changeUserVisibility)';
    return this.publishPrivilegeDenied(nowSec);
  }

  /** Why the token does not let the member publish now (visibility aside), or undefined. */
  publishPrivilegeDenied(nowSec = Math.floor(Date.now() / 1000)): string | undefined {
    if (this.grants.publishExpireAt === undefined) return 'the token has no publish privilege';
    return this.#valid(this.grants.publishExpireAt, nowSec) ? undefined : 'the publish privilege has expired';
  }

  /** Why the member may not subscribe now, or undefined when it may. */
  subscribeDenied(nowSec = Math.floor(Date.now() / 1000)): string | undefined {
    if (this.grants.subscribeExpireAt === undefined) return 'the token has no subscribe privilege';
    return this.#valid(this.grants.subscribeExpireAt, nowSec) ? undefined : 'the subscribe privilege has expired';
  }
}
