/**
 * A room as a media worker sees it: the stand-in `MediaRoom` its `Router` serves. The room's
 * state lives in the main process; this keeps a mirror of its members (user id, visibility,
 * grants, autoSubscribe) made of real `Member` objects whose sink sends `toMember` frames to the
 * main process, and turns the router's "list changed" hooks into `publications` and
 * `activeSpeakers` messages. Members are named by the main process's member key.
 * @module
 */
import { TypedEmitter, type TrackSource } from '@rtcroom/protocol';
import type { ChangedHook, MediaRoom } from '../media/media-room.ts';
import type { Router } from '../media/router.ts';
import { Member, type MemberGrants } from '../room/member.ts';
import type { MemberInfo, WorkerToMain } from './protocol.ts';

/** Where a worker's messages to the main process go. */
export type PostToMain = (msg: WorkerToMain) => void;

/** While someone speaks, levels are sent at most this often (ms); changes go at once. */
const SPEAKER_REFRESH_MS = 250;

/** Converts this process's performance.now() to the machine-wide clock of the protocol. */
export const toSharedTime = (t: number): number => performance.timeOrigin + t;

function grantsOf(info: MemberInfo): MemberGrants {
  const g = info.grants;
  return { tokenExpireAt: g.tokenExpireAt, publishExpireAt: g.publishExpireAt, subscribeExpireAt: g.subscribeExpireAt };
}

/** A room hosted by a media worker. */
export class WorkerRoom extends TypedEmitter<{ memberLeft: [Member, string] }> implements MediaRoom {
  /** The main process's number for the room. */
  readonly ref: number;
  readonly appId: string;
  readonly roomId: string;
  readonly members = new Map<string, Member>();
  readonly #byKey = new Map<number, Member>();
  readonly #keyOf = new WeakMap<Member, number>();
  readonly #post: PostToMain;
  readonly speakersChannel: ChangedHook = { changed: () => this.#publicationsChanged() };
  readonly videoChannel: ChangedHook = { changed: () => this.#publicationsChanged() };
  readonly screenChannel: ChangedHook = { changed: () => this.#publicationsChanged() };
  readonly activeSpeakersChannel = { changed: () => this.#speakersChanged(true), refresh: () => this.#speakersChanged(false) };
  #router: Router | undefined;
  #publicationsDue = false;
  #speakersDue: boolean | undefined;
  #speakersSentAt = -Infinity;
  #closed = false;

  constructor(ref: number, appId: string, roomId: string, post: PostToMain) {
    super();
    this.ref = ref;
    this.appId = appId;
    this.roomId = roomId;
    this.#post = post;
  }

  /** The room's router (set once, right after the members). */
  get router(): Router {
    if (!this.#router) throw new Error(`room ${this.ref} has no router yet`);
    return this.#router;
  }
  set router(r: Router) {
    this.#router = r;
  }

  /** The member with this main-process key. */
  member(key: number): Member | undefined {
    return this.#byKey.get(key);
  }

  /** Adds a member (or updates it, when the key is known). */
  add(info: MemberInfo): Member {
    const known = this.#byKey.get(info.key);
    if (known) return this.update(info) ?? known;
    const key = info.key;
    const m = new Member(this.appId, this.roomId, info.userId, { sendRaw: (frame) => this.#send({ type: 'toMember', room: this.ref, member: key, frame }) }, grantsOf(info));
    m.visible = info.visible;
    m.autoSubscribe = info.autoSubscribe;
    this.#byKey.set(key, m);
    this.#keyOf.set(m, key);
    this.members.set(m.userId, m);
    return m;
  }

  /** Applies what the main process says of a member now; undefined when it is unknown. */
  update(info: MemberInfo): Member | undefined {
    const m = this.#byKey.get(info.key);
    if (!m) return undefined;
    m.visible = info.visible;
    m.autoSubscribe = info.autoSubscribe;
    m.grants = grantsOf(info);
    return m;
  }

  /** Removes a member; the router frees its media (`memberLeft`). */
  remove(key: number, reason: string): void {
    const m = this.#byKey.get(key);
    if (!m) return;
    this.#byKey.delete(key);
    if (this.members.get(m.userId) === m) this.members.delete(m.userId);
    this.emit('memberLeft', m, reason);
  }

  /** `[room, member, at]` for each member with a media connection (at: shared clock). */
  activity(out: [number, number, number][]): void {
    if (!this.#router) return;
    for (const [key, m] of this.#byKey) {
      const at = this.#router.lastActivity(m);
      if (at !== undefined) out.push([this.ref, key, toSharedTime(at)]);
    }
  }

  #send(msg: WorkerToMain): void {
    if (!this.#closed) this.#post(msg);
  }

  #publicationsChanged(): void {
    if (this.#publicationsDue) return;
    this.#publicationsDue = true;
    queueMicrotask(() => {
      this.#publicationsDue = false;
      if (this.#closed || !this.#router) return;
      const list: { member: number; source: TrackSource; since: number }[] = [];
      for (const p of this.#router.publications()) {
        const member = this.#keyOf.get(p.member);
        if (member !== undefined) list.push({ member, source: p.source, since: toSharedTime(p.since) });
      }
      this.#send({ type: 'publications', room: this.ref, list });
    });
  }

  #speakersChanged(changed: boolean): void {
    if (this.#speakersDue !== undefined) {
      this.#speakersDue ||= changed;
      return;
    }
    if (!changed && performance.now() - this.#speakersSentAt < SPEAKER_REFRESH_MS) return;
    this.#speakersDue = changed;
    queueMicrotask(() => {
      const c = this.#speakersDue ?? false;
      this.#speakersDue = undefined;
      if (this.#closed || !this.#router) return;
      this.#speakersSentAt = performance.now();
      this.#send({ type: 'activeSpeakers', room: this.ref, speakers: this.#router.activeSpeakers(), changed: c });
    });
  }

  /** Closes the router and every connection of the room; nothing is sent afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#router?.close();
  }
}
