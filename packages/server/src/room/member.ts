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

/** One user in one room. */
export class Member {
  /** App the member belongs to. */
  readonly appId: string;
  /** Room id (within the app). */
  readonly roomId: string;
  /** User id. */
  readonly userId: string;
  /** Event sink. */
  readonly sink: MemberSink;
  /** Token grants. */
  grants: MemberGrants;
  /** When the member joined (ms since epoch). */
  readonly joinedAt = Date.now();
  /** Last members-snapshot version this member has seen. */
  membersVersion = 0;

  constructor(appId: string, roomId: string, userId: string, sink: MemberSink, grants: MemberGrants) {
    this.appId = appId;
    this.roomId = roomId;
    this.userId = userId;
    this.sink = sink;
    this.grants = grants;
  }
}
