/**
 * The media router of one room: who publishes what (producers), who receives what
 * (consumers), and the subscriptions that decide it.
 * @module
 */
import { RtcError, statePayload, type ActiveSpeaker, type ServerFrame, type SpeakerOptions, type TrackSource } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import type { Member } from '../room/member.ts';
import type { RoomMedia } from '../room/room-media.ts';
import type { MediaRoom } from './media-room.ts';
import type { MediaNetwork } from './codecs.ts';
import { Consumer } from './consumer.ts';
import { Producer } from './producer.ts';
import { PublisherPeer } from './publisher-peer.ts';
import { stalledEvent } from './rtp-watchdog.ts';
import { simulcastRids } from './sdp-offer.ts';
import { SubscriberPeer } from './subscriber-peer.ts';
import { Downlink, type ViewReport } from './downlink.ts';
import type { AudioSelectionConfig } from './audio-selection.ts';
import { RoomAudio } from './room-audio.ts';
import { RoomRecordings } from './recording/room-recorder.ts';
import type { RecordingSpec, StopReason } from './recording/manifest.ts';
import { memberMediaStats, type MemberMediaStats } from './member-stats.ts';

/** How often each subscriber's downlink is allocated (ms). */
const ALLOCATE_EVERY_MS = 250;

/** Media state of one member. */
class MemberMedia {
  readonly member: Member;
  publisher: PublisherPeer | undefined;
  subscriber: SubscriberPeer | undefined;
  /** Producers by source. */
  readonly producers = new Map<TrackSource, Producer>();
  /** Consumers by `userId/source`. */
  readonly consumers = new Map<string, Consumer>();
  /** Explicit subscription choices by `userId/source`; otherwise `member.autoSubscribe`. */
  readonly prefs = new Map<string, boolean>();
  /** What it can receive and show, and which layers it gets. */
  readonly downlink = new Downlink();
  /** The last RTCP of a subscriber connection that failed (a sign of life a replacement keeps). */
  lostSubscriberRtcpAt = -Infinity;
  /** The video state last told to the app (paused or not); undefined until the first notice. */
  toldPaused: boolean | undefined;

  constructor(member: Member) {
    this.member = member;
  }

  wants(userId: string, source: TrackSource): boolean {
    return this.prefs.get(Consumer.key(userId, source)) ?? this.member.autoSubscribe;
  }
}

/** One active publication: a member's source being forwarded, and since when (performance.now()). */
export interface Publication {
  member: Member;
  source: TrackSource;
  since: number;
}

/** Per-room SFU. */
export class Router implements RoomMedia {
  readonly #room: MediaRoom;
  readonly #net: MediaNetwork;
  readonly #log: Logger;
  readonly #media = new Map<Member, MemberMedia>();
  #closed = false;
  #pcIds = 0;
  /** Speaker detection and audio selection. */
  readonly #audio: RoomAudio;
  readonly #allocateTick: NodeJS.Timeout;
  /** Recordings of the room (`recording/`). */
  readonly #recordings: RoomRecordings;
  constructor(room: MediaRoom, net: MediaNetwork, speakers: SpeakerOptions, log: Logger, selection: AudioSelectionConfig) {
    this.#room = room;
    this.#net = net;
    this.#audio = new RoomAudio(room, speakers, selection);
    this.#log = log.child({ room: room.roomId });
    this.#recordings = new RoomRecordings(this.#log);
    room.on('memberLeft', (m) => this.removeMember(m));
    this.#allocateTick = setInterval(() => {
      const now = performance.now();
      for (const mm of this.#media.values()) if (mm.consumers.size) this.#allocate(mm, now, true);
      for (const mm of this.#media.values()) this.#dynacast(mm, now);
    }, ALLOCATE_EVERY_MS);
    this.#allocateTick.unref();
  }

  #allocate(mm: MemberMedia, now = performance.now(), periodic = false): void {
    if (mm.subscriber) mm.downlink.estimateBps = mm.subscriber.cc.estimateBps;
    // a settled member whose estimate carries everything: nothing a round would change
    if (periodic && mm.downlink.quiet(mm.consumers, now)) return;
    const was = mm.downlink.pausedForBandwidth;
    mm.downlink.update(mm.consumers, (userId) => this.#audio.speaking(userId), now);
    if (mm.subscriber) {
      mm.subscriber.cc.estimator.setDesiredBps(mm.downlink.desiredBps > 0 ? mm.downlink.desiredBps : undefined);
      mm.subscriber.probe(now);
    }
    if (was !== mm.downlink.pausedForBandwidth) this.#tellVideoState(mm);
  }

  /** The app learns it is in audio-only mode (21956), and when video comes back (21957). */
  #tellVideoState(mm: MemberMedia): void {
    const kbps = Math.round(mm.downlink.estimateBps / 1000);
    const p = mm.downlink.pausedForBandwidth ? statePayload('videoPausedForBandwidth', kbps) : statePayload('videoResumed');
    const reason = mm.downlink.pausedForBandwidth ? 'videoPausedForBandwidth' : 'videoResumed';
    const frame: ServerFrame = { event: 'stateChanged', data: { ...p, data: { reason, estimateKbps: kbps } } };
    mm.toldPaused = mm.downlink.pausedForBandwidth;
    mm.member.sink.sendRaw(JSON.stringify(frame));
  }

  /** Tells `mm`'s client which simulcast layers anyone can use (see `simulcast/dynacast.ts`). */
  #dynacast(mm: MemberMedia, now: number): void {
    for (const p of mm.producers.values()) {
      if (!p.simulcast || !p.active) continue;
      const layers = p.layers.map((l) => ({ index: l.index, width: l.width, height: l.height, bitrateBps: 0 }));
      // a recording wants the top layer, as a viewer of unknown size does
      const views = [...p.consumers].map((c) => c.viewport);
      if (p.taps.size > 0) views.push(undefined);
      const active = p.dynacast.update(layers, views, now);
      if (active) this.#tellLayers(mm, p.source, active);
    }
  }

  #tellLayers(mm: MemberMedia, source: TrackSource, active: readonly boolean[]): void {
    const frame: ServerFrame = { event: 'publishLayers', data: { source, active: [...active] } };
    mm.member.sink.sendRaw(JSON.stringify(frame));
  }

  /** What `m`'s page shows of remote videos (adaptive stream): applied at once. */
  setViews(m: Member, views: readonly ViewReport[]): void {
    const mm = this.#of(m);
    mm.downlink.setViews(views);
    this.#allocate(mm);
  }

  /** Visible users speaking now, loudest first (ties in publish order). */
  activeSpeakers(): ActiveSpeaker[] {
    return this.#audio.activeSpeakers();
  }

  #of(m: Member): MemberMedia {
    let mm = this.#media.get(m);
    if (!mm) this.#media.set(m, (mm = new MemberMedia(m)));
    return mm;
  }

  /** Members with at least one active producer (the room's publisher limit counts these). */
  publisherCount(): number {
    let n = 0;
    for (const mm of this.#media.values()) if (this.isPublishing(mm.member)) n++;
    return n;
  }

  /** Whether `m` has an active producer. */
  isPublishing(m: Member): boolean {
    const mm = this.#media.get(m);
    if (!mm) return false;
    for (const p of mm.producers.values()) if (p.active) return true;
    return false;
  }

  /** Visible users with an active producer of `source`, in the order they started. */
  publishers(source: 'audio' | 'video' | 'screen'): string[] {
    const list: Producer[] = [];
    for (const mm of this.#media.values()) {
      const p = mm.producers.get(source);
      if (p?.active && mm.member.visible) list.push(p);
    }
    return list.sort((a, b) => a.activeSince - b.activeSince).map((p) => p.userId);
  }

  /** The send and receive bitrate, loss and downlink now of every member with a media connection (operators' stats). */
  memberStats(): MemberMediaStats[] {
    const now = performance.now();
    const out: MemberMediaStats[] = [];
    for (const mm of this.#media.values()) {
      if (!mm.publisher && !mm.subscriber) continue;
      const cc = mm.subscriber?.cc;
      const downlink = { estimateBps: cc?.measuring(now) ? cc.estimateBps : undefined, pausedForBandwidth: mm.downlink.pausedForBandwidth };
      out.push(memberMediaStats(mm.member.userId, mm.producers.values(), mm.consumers.values(), now, downlink));
    }
    return out;
  }

  /** Every active publication, visible or not (what a media worker reports to the main process). */
  publications(): Publication[] {
    const out: Publication[] = [];
    for (const mm of this.#media.values()) for (const p of mm.producers.values()) if (p.active) out.push({ member: mm.member, source: p.source, since: p.activeSince });
    return out;
  }

  /** Nothing to do in process: the router reads `member.visible` where it matters. */
  visibilityChanged(_m: Member): void {}

  /** Applies a publisher offer from `m`; resolves with the answer. `api` names the app's call in errors. */
  async publisherOffer(m: Member, sdp: string, sources: Record<string, TrackSource>, api = 'publisherOffer'): Promise<string> {
    const mm = this.#of(m);
    if (!mm.publisher) {
      mm.publisher = new PublisherPeer(
        this.#net,
        {
          onTrack: (source, track, receiver) => this.#producer(mm, source).attach(track, receiver),
          onFailed: (reason) => this.#publisherFailed(mm, reason),
          // a published camera that sends nothing is reported, never a silent black tile
          isPublished: (source) => mm.producers.get(source)?.active === true && mm.member.visible,
          onStalled: (source, silentMs) => mm.member.sink.sendRaw(JSON.stringify(stalledEvent(source, silentMs))),
        },
        this.#log.child({ user: m.userId, leg: 'publisher' }),
      );
    }
    const layers = simulcastRids(sdp);
    for (const [mid, source] of Object.entries(sources)) this.#producer(mm, source).setRids(layers.get(mid) ?? []);
    try {
      return await mm.publisher.negotiate(sdp, sources);
    } catch (e) {
      throw e instanceof RtcError ? e.withMethod(api) : new RtcError('mediaFailed', api, (e as Error).message);
    }
  }

  #producer(mm: MemberMedia, source: TrackSource): Producer {
    let p = mm.producers.get(source);
    if (!p) mm.producers.set(source, (p = new Producer(mm.member.userId, source)));
    return p;
  }

  /** Turns forwarding of `sources` on or off for `m`. */
  setPublish(m: Member, sources: TrackSource[], publish: boolean): void {
    const mm = this.#of(m);
    let changed = false;
    for (const source of sources) {
      const p = publish ? this.#producer(mm, source) : mm.producers.get(source);
      if (!p || p.active === publish) continue;
      p.active = publish;
      if (publish) p.activeSince = performance.now();
      if (publish) this.#audio.watch(p);
      else this.#audio.unwatch(p);
      changed = true;
      this.#recordings.published(p, publish);
      this.#room.publicationChanged?.(m, source, publish);
      if (source === 'audio') this.#room.speakersChannel.changed();
      if (source === 'video') this.#room.videoChannel.changed();
      if (source === 'screen') this.#room.screenChannel.changed();
    }
    if (changed) this.#refreshAllBut(m);
  }

  /** Stops forwarding everything `m` publishes (invisible, privilege expired). */
  unpublishAll(m: Member): void {
    const mm = this.#media.get(m);
    if (mm) this.setPublish(m, [...mm.producers.keys()], false);
  }

  /** Re-applies `m`'s subscriptions (its subscribe privilege changed). */
  refreshMember(m: Member): void {
    this.#refresh(this.#of(m));
  }

  /** Records a subscription choice of `m` and applies it. */
  setSubscribe(m: Member, userId: string, sources: TrackSource[], subscribe: boolean): void {
    const mm = this.#of(m);
    for (const s of sources) mm.prefs.set(Consumer.key(userId, s), subscribe);
    this.#refresh(mm);
  }

  /** Applies a subscriber answer. */
  async subscriberAnswer(m: Member, offerId: number, sdp: string): Promise<void> {
    const sub = this.#media.get(m)?.subscriber;
    if (!sub) throw new RtcError('paramError', 'subscriberAnswer', 'no subscriber connection');
    await sub.onAnswer(offerId, sdp);
  }

  /** Restarts ICE on `m`'s subscriber connection (a no-op before it exists). */
  restartSubscriberIce(m: Member): void {
    this.#media.get(m)?.subscriber?.restartIce();
  }

  /** A member joined: give it what it wants of what is published. */
  memberJoined(m: Member): void {
    // the room may have grown past the audio selection threshold: its consumers start gated
    this.#audio.select();
    this.#refresh(this.#of(m));
  }

  #refreshAllBut(m: Member): void {
    for (const mm of this.#media.values()) if (mm.member !== m) this.#refresh(mm);
    for (const other of this.#room.members.values()) if (other !== m && !this.#media.has(other)) this.#refresh(this.#of(other));
  }

  /** Makes `mm`'s consumers match what it wants of the active producers. */
  #refresh(mm: MemberMedia): void {
    if (this.#closed) return;
    const want = new Map<string, Producer>();
    if (!mm.member.subscribeDenied()) {
      for (const other of this.#media.values()) {
        if (other === mm) continue;
        for (const p of other.producers.values()) if (p.active && mm.wants(p.userId, p.source)) want.set(Consumer.key(p.userId, p.source), p);
      }
    }
    for (const [key, c] of mm.consumers) {
      if (want.get(key) === c.producer) continue;
      mm.subscriber?.release(c);
      mm.consumers.delete(key);
    }
    for (const [key, p] of want) {
      if (mm.consumers.has(key)) continue;
      mm.subscriber ??= this.#newSubscriber(mm);
      const c = mm.subscriber.consume(p);
      mm.consumers.set(key, c);
      this.#audio.gate(c);
    }
  }

  #newSubscriber(mm: MemberMedia): SubscriberPeer {
    const pcId = ++this.#pcIds;
    const sub = new SubscriberPeer(
      this.#net,
      {
        sendOffer: (offer) => {
          const frame: ServerFrame = { event: 'subscriberOffer', data: { ...offer, pcId } };
          // the member's session now (it may have been resumed on a new one)
          mm.member.sink.sendRaw(JSON.stringify(frame));
        },
        onFailed: (reason) => {
          this.#log.warn('subscriber connection lost', { user: mm.member.userId, reason });
          // the member showed life until then: its replacement connection is on the way
          mm.lostSubscriberRtcpAt = Math.max(mm.lostSubscriberRtcpAt, mm.subscriber?.lastRtcpAt ?? -Infinity);
          for (const c of mm.consumers.values()) c.close();
          mm.consumers.clear();
          mm.subscriber?.close();
          mm.subscriber = undefined;
          // a fresh connection (new pcId) is offered; the client replaces its own
          setTimeout(() => this.#media.get(mm.member) === mm && this.#refresh(mm), 1000).unref();
        },
      },
      this.#log.child({ user: mm.member.userId, leg: 'subscriber' }),
    );
    sub.cc.onDrop = () => this.#media.get(mm.member) === mm && this.#allocate(mm);
    return sub;
  }

  #publisherFailed(mm: MemberMedia, reason: string): void {
    this.#log.warn('publisher connection lost', { user: mm.member.userId, reason });
    // the client sees its own connection fail and publishes again on a new one
    this.#dropPublisher(mm);
  }

  #dropPublisher(mm: MemberMedia): void {
    const had = { audio: mm.producers.get('audio')?.active, video: mm.producers.get('video')?.active, screen: mm.producers.get('screen')?.active };
    for (const p of mm.producers.values()) {
      this.#audio.unwatch(p);
      if (p.active) this.#recordings.published(p, false);
      if (p.active) this.#room.publicationChanged?.(mm.member, p.source, false);
      p.close();
    }
    mm.producers.clear();
    mm.publisher?.close();
    mm.publisher = undefined;
    if (had.audio) this.#room.speakersChannel.changed();
    if (had.video) this.#room.videoChannel.changed();
    if (had.screen) this.#room.screenChannel.changed();
    this.#refreshAllBut(mm.member);
  }

  /** Frees everything of `m` (it left the room). */
  removeMember(m: Member): void {
    const mm = this.#media.get(m);
    if (!mm) return;
    this.#media.delete(m);
    for (const c of mm.consumers.values()) c.close();
    mm.consumers.clear();
    mm.subscriber?.close();
    mm.subscriber = undefined;
    this.#dropPublisher(mm);
    this.#audio.select();
  }

  /**
   * The member's last media activity (performance.now()): RTP from its publisher connection or
   * RTCP from its subscriber connection (or the one that failed before it); undefined when it
   * never had any.
   */
  lastActivity(m: Member): number | undefined {
    const mm = this.#media.get(m);
    if (!mm) return undefined;
    let at = Math.max(mm.subscriber?.lastRtcpAt ?? -Infinity, mm.lostSubscriberRtcpAt);
    for (const p of mm.producers.values()) if (p.lastPacketAt > at) at = p.lastPacketAt;
    return at === -Infinity ? undefined : at;
  }

  /** `m` was resumed on a new session: an offer it may have missed meanwhile is sent again. */
  memberResumed(m: Member): void {
    const mm = this.#media.get(m);
    mm?.subscriber?.resendPending();
    // a notice sent while the member was detached was lost (a thin link often drops signaling
    // too): once the app has been told anything, it is told the current state again (the SDK
    // reports only changes)
    if (mm?.toldPaused !== undefined) this.#tellVideoState(mm);
    // the same for a publisher's dynacast list: a layer turned on meanwhile would stay off
    for (const p of mm?.producers.values() ?? []) {
      const told = p.dynacast.told;
      if (mm && p.simulcast && p.active && told) this.#tellLayers(mm, p.source, told);
    }
  }

  /** Starts recording every track published now and later (`recording/room-recorder.ts`). */
  async startRecording(spec: RecordingSpec): Promise<void> {
    if (this.#closed) throw new Error('the room is closed');
    const active: Producer[] = [];
    for (const mm of this.#media.values()) for (const p of mm.producers.values()) if (p.active) active.push(p);
    await this.#recordings.start(spec, active);
  }

  /** Stops a recording; resolves once its files and manifest are written. */
  async stopRecording(id: string, reason: StopReason): Promise<void> {
    await this.#recordings.stop(id, reason);
  }

  /** Counts, for health and tests. */
  stats(): { publishers: number; subscribers: number; producers: number; consumers: number } {
    let publishers = 0;
    let subscribers = 0;
    let producers = 0;
    let consumers = 0;
    for (const mm of this.#media.values()) {
      if (mm.publisher) publishers++;
      if (mm.subscriber) subscribers++;
      producers += mm.producers.size;
      consumers += mm.consumers.size;
    }
    return { publishers, subscribers, producers, consumers };
  }

  /** Closes every connection of the room. */
  close(): void {
    this.#closed = true;
    this.#recordings.closeAll();
    this.#audio.close();
    clearInterval(this.#allocateTick);
    for (const m of [...this.#media.keys()]) this.removeMember(m);
  }
}
