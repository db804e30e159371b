/**
 * A room's media on a media worker, as the main process holds it: `RoomMedia` said in the
 * messages of `protocol.ts`. Calls that change media are sent in order: a member's signaling
 * requests as requests answered by the worker, the rest one-way; what the room side must read at once — who publishes what,
 * who speaks, each member's last media activity — is a mirror kept from the worker's reports.
 * The mirror of publications also takes the main process's own changes at once (a publish, an
 * unpublish), so the publisher limit holds between two reports; the worker's next report
 * (it follows every change it applies) is authoritative.
 * @module
 */
import type { ActiveSpeaker, TrackSource } from '@rtcroom/protocol';
import type { ViewReport } from '../media/downlink.ts';
import type { RecordingSpec, StopReason } from '../media/recording/manifest.ts';
import type { Member } from '../room/member.ts';
import type { RoomMedia } from '../room/room-media.ts';
import type { MemberMediaStats } from '../media/member-stats.ts';
import type { Room } from '../room/room.ts';
import type { MainToWorker, MemberInfo, RequestOf, RequestResults, RequestType, WorkerToMainOf } from './protocol.ts';

/** How the room's media reaches its worker. */
export interface WorkerLink {
  /** Which worker. */
  readonly index: number;
  /** Sends a one-way message (dropped when the worker is not running). */
  send(msg: MainToWorker): boolean;
  /** Sends a request; resolves with its result or rejects with an `RtcError`. */
  request<T extends RequestType>(msg: RequestOf<T>, api: string): Promise<RequestResults[T]>;
}

/** What the main process knows of a member for its worker. */
export function memberInfo(m: Member): MemberInfo {
  const g = m.grants;
  const grants: MemberInfo['grants'] = { tokenExpireAt: g.tokenExpireAt };
  if (g.publishExpireAt !== undefined) grants.publishExpireAt = g.publishExpireAt;
  if (g.subscribeExpireAt !== undefined) grants.subscribeExpireAt = g.subscribeExpireAt;
  return { key: m.key, userId: m.userId, visible: m.visible, autoSubscribe: m.autoSubscribe, grants };
}

/** The machine-wide clock of the protocol, in this process's performance.now() terms. */
const fromSharedTime = (t: number): number => t - performance.timeOrigin;
const sharedNow = (): number => performance.timeOrigin + performance.now();

/** `RoomMedia` of a room placed on a media worker. */
export class RemoteRoomMedia implements RoomMedia {
  /** The main process's number for the room (unique per process run). */
  readonly ref: number;
  readonly #room: Room;
  readonly #link: WorkerLink;
  /** Members the worker knows, by key. */
  readonly #members = new Map<number, Member>();
  /** Active publications by member key: source → since (shared clock). */
  readonly #publications = new Map<number, Map<TrackSource, number>>();
  /** Last media activity by member key (shared clock). */
  #activity = new Map<number, number>();
  #speakers: ActiveSpeaker[] = [];
  #closed = false;
  readonly #onMemberLeft = (m: Member): void => this.#memberLeft(m);

  /** Creates the room on the worker with the room's members now. */
  constructor(ref: number, room: Room, link: WorkerLink) {
    this.ref = ref;
    this.#room = room;
    this.#link = link;
    for (const m of room.members.values()) this.#members.set(m.key, m);
    room.on('memberLeft', this.#onMemberLeft);
    link.send({ type: 'createRoom', room: ref, appId: room.appId, roomId: room.roomId, members: [...this.#members.values()].map(memberInfo) });
  }

  /** Which worker hosts the room. */
  get worker(): number {
    return this.#link.index;
  }

  /** Members of the room (placement weighs them). */
  get memberCount(): number {
    return this.#members.size;
  }

  #send(msg: MainToWorker): void {
    if (!this.#closed) this.#link.send(msg);
  }

  #is(m: Member): boolean {
    return this.#members.get(m.key) === m;
  }

  publishers(source: 'audio' | 'video' | 'screen'): string[] {
    const list: [number, string][] = [];
    for (const [key, pubs] of this.#publications) {
      const since = pubs.get(source);
      const m = this.#members.get(key);
      if (since !== undefined && m?.visible) list.push([since, m.userId]);
    }
    return list.sort((a, b) => a[0] - b[0]).map(([, userId]) => userId);
  }

  activeSpeakers(): ActiveSpeaker[] {
    // visibility is the main process's: a member that just turned invisible is out at once
    return this.#speakers.filter((s) => this.#room.members.get(s.userId)?.visible === true);
  }

  async memberStats(): Promise<MemberMediaStats[]> {
    if (this.#closed) return [];
    return (await this.#link.request<'memberStats'>({ type: 'memberStats', room: this.ref }, 'memberStats')).members;
  }

  publisherCount(): number {
    let n = 0;
    for (const pubs of this.#publications.values()) if (pubs.size) n++;
    return n;
  }

  isPublishing(m: Member): boolean {
    return (this.#publications.get(m.key)?.size ?? 0) > 0;
  }

  lastActivity(m: Member): number | undefined {
    const at = this.#activity.get(m.key);
    return at === undefined ? undefined : fromSharedTime(at);
  }

  async publisherOffer(m: Member, sdp: string, sources: Record<string, TrackSource>, api = 'publisherOffer'): Promise<string> {
    const r = await this.#link.request<'publisherOffer'>({ type: 'publisherOffer', room: this.ref, member: m.key, sdp, sources, api }, api);
    return r.sdp;
  }

  async subscriberAnswer(m: Member, offerId: number, sdp: string): Promise<void> {
    await this.#link.request<'subscriberAnswer'>({ type: 'subscriberAnswer', room: this.ref, member: m.key, offerId, sdp }, 'subscriberAnswer');
  }

  async setPublish(m: Member, sources: TrackSource[], publish: boolean): Promise<void> {
    if (!this.#is(m) || this.#closed) return;
    const pubs = new Map(this.#publications.get(m.key));
    for (const s of sources) {
      if (!publish) pubs.delete(s);
      else if (!pubs.has(s)) pubs.set(s, sharedNow());
    }
    this.#setPublications(m.key, pubs);
    await this.#link.request<'setPublish'>({ type: 'setPublish', room: this.ref, member: m.key, sources, publish }, 'setPublish');
  }

  unpublishAll(m: Member): void {
    if (!this.#is(m)) return;
    this.#setPublications(m.key, new Map());
    this.#send({ type: 'unpublishAll', room: this.ref, member: m.key });
  }

  async setSubscribe(m: Member, userId: string, sources: TrackSource[], subscribe: boolean): Promise<void> {
    if (this.#closed) return;
    await this.#link.request<'setSubscribe'>({ type: 'setSubscribe', room: this.ref, member: m.key, userId, sources, subscribe }, 'setSubscribe');
  }

  async setViews(m: Member, views: readonly ViewReport[]): Promise<void> {
    if (this.#closed) return;
    await this.#link.request<'setViews'>({ type: 'setViews', room: this.ref, member: m.key, views: [...views] }, 'setViews');
  }

  async restartSubscriberIce(m: Member): Promise<void> {
    if (this.#closed) return;
    await this.#link.request<'restartSubscriberIce'>({ type: 'restartSubscriberIce', room: this.ref, member: m.key }, 'restartSubscriberIce');
  }

  async startRecording(spec: RecordingSpec): Promise<void> {
    if (this.#closed) throw new Error('the room media is closed');
    await this.#link.request<'startRecording'>({ type: 'startRecording', room: this.ref, recordingId: spec.id, dir: spec.dir, startedAt: spec.startedAt }, 'startRecording');
  }

  async stopRecording(id: string, reason: StopReason): Promise<void> {
    if (this.#closed) return;
    await this.#link.request<'stopRecording'>({ type: 'stopRecording', room: this.ref, recordingId: id, reason }, 'stopRecording');
  }

  refreshMember(m: Member): void {
    if (this.#is(m)) this.#send({ type: 'refreshMember', room: this.ref, member: memberInfo(m) });
  }

  visibilityChanged(m: Member): void {
    if (this.#is(m)) this.#send({ type: 'memberUpdated', room: this.ref, member: memberInfo(m) });
  }

  memberJoined(m: Member): void {
    if (this.#closed) return;
    this.#members.set(m.key, m);
    this.#send({ type: 'memberJoined', room: this.ref, member: memberInfo(m) });
  }

  memberResumed(m: Member): void {
    if (this.#is(m)) this.#send({ type: 'memberResumed', room: this.ref, member: m.key });
  }

  #memberLeft(m: Member): void {
    if (!this.#is(m)) return;
    this.#members.delete(m.key);
    this.#activity.delete(m.key);
    this.#setPublications(m.key, new Map());
    this.#send({ type: 'memberLeft', room: this.ref, member: m.key });
  }

  /** Replaces a member's publications in the mirror; the lists whose sources changed are marked. */
  #setPublications(key: number, next: Map<TrackSource, number>): void {
    const prev = this.#publications.get(key) ?? new Map<TrackSource, number>();
    if (next.size) this.#publications.set(key, next);
    else this.#publications.delete(key);
    for (const source of new Set([...prev.keys(), ...next.keys()])) {
      if (prev.has(source) === next.has(source)) continue;
      const m = this.#members.get(key);
      if (m) this.#room.publicationChanged(m, source, next.has(source));
      if (source === 'audio') this.#room.speakersChannel.changed();
      if (source === 'video') this.#room.videoChannel.changed();
      if (source === 'screen') this.#room.screenChannel.changed();
    }
  }

  /** A message of the worker about this room. */
  onWorkerMessage(msg: WorkerToMainOf<'toMember' | 'publications' | 'activeSpeakers'>): void {
    if (this.#closed) return;
    switch (msg.type) {
      case 'toMember':
        // the member's session now (a detached member's sink drops it, as in process)
        return this.#members.get(msg.member)?.sink.sendRaw(msg.frame);
      case 'publications': {
        const byMember = new Map<number, Map<TrackSource, number>>();
        for (const p of msg.list) {
          if (!this.#members.has(p.member)) continue;
          let pubs = byMember.get(p.member);
          if (!pubs) byMember.set(p.member, (pubs = new Map()));
          // the mirror's own stamp stays (the order publishers were told they publish)
          pubs.set(p.source, this.#publications.get(p.member)?.get(p.source) ?? p.since);
        }
        for (const key of new Set([...this.#publications.keys(), ...byMember.keys()])) this.#setPublications(key, byMember.get(key) ?? new Map());
        return;
      }
      case 'activeSpeakers':
        this.#speakers = msg.speakers;
        if (msg.changed) this.#room.activeSpeakersChannel.changed();
        else this.#room.activeSpeakersChannel.refresh();
        return;
    }
  }

  /** The worker's report of members' media activity in this room (the entries of this room only). */
  setActivity(entries: Map<number, number>): void {
    this.#activity = entries;
  }

  /** The worker is gone: nothing more is sent; the room's members must be told (by the caller). */
  lost(): void {
    this.#closed = true;
    this.#room.off('memberLeft', this.#onMemberLeft);
  }

  /** Whether the room's media is closed or lost. */
  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#send({ type: 'closeRoom', room: this.ref });
    this.#closed = true;
    this.#room.off('memberLeft', this.#onMemberLeft);
  }
}
