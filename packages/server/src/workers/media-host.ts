/**
 * The media side of a worker: hosts a real `Router` per room placed on it (the same code as in
 * process), applies the main process's messages to them, answers its requests, and reports
 * activity (twice a second) and load (once a second). Transport-free: `worker-main.ts` wires it
 * to the IPC channel, tests call it directly.
 * @module
 */
import { RtcError } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import type { MediaNetwork } from '../media/codecs.ts';
import { mediaCounts } from '../media/metrics.ts';
import { Router } from '../media/router.ts';
import { chooseSendPath } from '../media/native/send-path.ts';
import { canAnswerHelloAtOnce, opensslX25519 } from '../media/werift-adapter.ts';
import type { Member } from '../room/member.ts';
import type { MainToWorker, MainToWorkerOf, RequestResults, RequestType, WorkerConfig } from './protocol.ts';
import { WorkerRoom, type PostToMain } from './worker-room.ts';

/** How often members' media activity is reported (ms). */
export const ACTIVITY_EVERY_MS = 500;
/** How often load is reported (ms). */
export const LOAD_EVERY_MS = 1000;

/** The media network of a worker's config, as the media code takes it. */
export function mediaNetwork(c: WorkerConfig['media']): MediaNetwork {
  const net: MediaNetwork = { iceAddress: c.iceAddress, announcedAddress: c.announcedAddress, portRange: c.portRange };
  if (c.testSubscriberLossPercent !== undefined) net.testSubscriberLossPercent = c.testSubscriberLossPercent;
  if (c.opusDtx !== undefined) net.opusDtx = c.opusDtx;
  return net;
}

/** Every room of one worker. */
export class MediaHost {
  readonly #config: WorkerConfig;
  readonly #net: MediaNetwork;
  readonly #log: Logger;
  readonly #post: PostToMain;
  readonly #rooms = new Map<number, WorkerRoom>();
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(config: WorkerConfig, log: Logger, post: PostToMain) {
    this.#config = config;
    const send = chooseSendPath(config.native);
    log.info('media send path', { path: send.path, reason: send.reason });
    if (!opensslX25519()) log.warn('werift DTLS keeps its JavaScript X25519 (its tweetnacl is not the one expected)');
    if (!canAnswerHelloAtOnce()) log.warn("werift's DTLS server keeps its HelloVerifyRequest, a round trip more per connection (werift's internals are not the ones expected)");
    this.#net = { ...mediaNetwork(config.media), native: send.addon };
    this.#log = log;
    this.#post = post;
    this.#timers.push(setInterval(() => this.#reportActivity(), ACTIVITY_EVERY_MS));
    let last = { at: performance.now(), forwarded: mediaCounts.forwarded, received: mediaCounts.received };
    this.#timers.push(
      setInterval(() => {
        const now = { at: performance.now(), forwarded: mediaCounts.forwarded, received: mediaCounts.received };
        const s = Math.max(0.001, (now.at - last.at) / 1000);
        this.#post({
          type: 'load',
          load: {
            ...mediaCounts,
            rooms: this.#rooms.size,
            forwardedPps: Math.round((now.forwarded - last.forwarded) / s),
            receivedPps: Math.round((now.received - last.received) / s),
            rssBytes: process.memoryUsage.rss(),
            loopLagMs: Math.max(0, Math.round(now.at - last.at - LOAD_EVERY_MS)),
          },
        });
        last = now;
      }, LOAD_EVERY_MS),
    );
    for (const t of this.#timers) t.unref();
  }

  /** Number of rooms hosted. */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Applies one message of the main process. Never throws: a failing request is answered with its error. */
  handle(msg: MainToWorker): void {
    if (this.#closed) return;
    try {
      this.#apply(msg);
    } catch (e) {
      this.#log.error('media message failed', { type: msg.type, err: e });
    }
  }

  #apply(msg: MainToWorker): void {
    switch (msg.type) {
      case 'createRoom': {
        if (this.#rooms.has(msg.room)) return;
        const room = new WorkerRoom(msg.room, msg.appId, msg.roomId, (m) => this.#post(m));
        for (const info of msg.members) room.add(info);
        room.router = new Router(room, this.#net, this.#config.speakers, this.#log.child({ appId: msg.appId }), this.#config.audioSelection);
        this.#rooms.set(msg.room, room);
        return;
      }
      case 'closeRoom':
        this.#rooms.get(msg.room)?.close();
        this.#rooms.delete(msg.room);
        return;
      case 'memberJoined': {
        const room = this.#rooms.get(msg.room);
        if (room) room.router.memberJoined(room.add(msg.member));
        return;
      }
      case 'memberLeft':
        return this.#rooms.get(msg.room)?.remove(msg.member, 'left');
      case 'memberUpdated':
        return void this.#rooms.get(msg.room)?.update(msg.member);
      case 'refreshMember': {
        const room = this.#rooms.get(msg.room);
        const m = room?.update(msg.member);
        if (room && m) room.router.refreshMember(m);
        return;
      }
      case 'publisherOffer':
        return this.#request(msg, 'publisherOffer', msg.api, async (room, m) => ({ sdp: await room.router.publisherOffer(m, msg.sdp, msg.sources, msg.api) }));
      case 'subscriberAnswer':
        return this.#request(msg, 'subscriberAnswer', 'subscriberAnswer', async (room, m) => {
          await room.router.subscriberAnswer(m, msg.offerId, msg.sdp);
          return {};
        });
      case 'setPublish':
        return this.#request(msg, 'setPublish', 'setPublish', async (room, m) => (room.router.setPublish(m, msg.sources, msg.publish), {}));
      case 'setSubscribe':
        return this.#request(msg, 'setSubscribe', 'setSubscribe', async (room, m) => (room.router.setSubscribe(m, msg.userId, msg.sources, msg.subscribe), {}));
      case 'setViews':
        return this.#request(msg, 'setViews', 'setViews', async (room, m) => (room.router.setViews(m, msg.views), {}));
      case 'restartSubscriberIce':
        return this.#request(msg, 'restartSubscriberIce', 'restartSubscriberIce', async (room, m) => (room.router.restartSubscriberIce(m), {}));
      case 'startRecording':
        return this.#roomRequest(msg, 'startRecording', (room) =>
          room.router.startRecording({ id: msg.recordingId, dir: msg.dir, appId: room.appId, roomId: room.roomId, startedAt: msg.startedAt }),
        );
      case 'stopRecording':
        return this.#roomRequest(msg, 'stopRecording', (room) => room.router.stopRecording(msg.recordingId, msg.reason));
      case 'memberStats': {
        // a room gone meanwhile has no members to report
        const members = this.#rooms.get(msg.room)?.router.memberStats() ?? [];
        return this.#post({ type: 'reply', id: msg.id, result: { members } });
      }
      case 'shutdown':
        return this.close();
      default:
        return this.#memberCall(msg);
    }
  }

  /** The one-way calls on one member of one room. */
  #memberCall(msg: MainToWorkerOf<'memberResumed' | 'unpublishAll'>): void {
    const room = this.#rooms.get(msg.room);
    const m = room?.member(msg.member);
    if (!room || !m) return this.#log.debug('message for a member that is gone', { type: msg.type, room: msg.room, member: msg.member });
    if (msg.type === 'memberResumed') room.router.memberResumed(m);
    else room.router.unpublishAll(m);
  }

  /**
   * Runs a request and replies (a result, or the error). The work of the synchronous ones is done
   * before the reply is posted, so what it sent goes first, as in process.
   */
  #request<T extends RequestType>(msg: { id: number; room: number; member: number }, type: T, api: string, run: (room: WorkerRoom, m: Member) => Promise<RequestResults[T]>): void {
    const room = this.#rooms.get(msg.room);
    const m = room?.member(msg.member);
    const reply = (r: { result: RequestResults[T] } | { error: RtcError }) => {
      if (this.#closed) return;
      if ('result' in r) this.#post({ type: 'reply', id: msg.id, result: r.result });
      else this.#post({ type: 'reply', id: msg.id, error: r.error.toPayload() });
    };
    if (!room || !m) return reply({ error: new RtcError('notInRoom', api, 'any room') });
    run(room, m).then(
      (result) => reply({ result }),
      (e: unknown) => {
        if (!(e instanceof RtcError)) this.#log.error('media request failed', { type, err: e });
        reply({ error: e instanceof RtcError ? e : new RtcError('internal', api, (e as Error)?.message ?? String(e)) });
      },
    );
  }

  /** Runs a request on a room (no member) and replies; a failure comes back as an `internal` error. */
  #roomRequest(msg: { id: number; room: number }, api: 'startRecording' | 'stopRecording', run: (room: WorkerRoom) => Promise<void>): void {
    const room = this.#rooms.get(msg.room);
    const reply = (error?: RtcError) => {
      if (this.#closed) return;
      this.#post(error ? { type: 'reply', id: msg.id, error: error.toPayload() } : { type: 'reply', id: msg.id, result: {} });
    };
    if (!room) return reply(new RtcError('internal', api, 'the room is not on this worker'));
    run(room).then(
      () => reply(),
      (e: unknown) => {
        this.#log.error('media request failed', { type: api, err: e });
        reply(new RtcError('internal', api, (e as Error)?.message ?? String(e)));
      },
    );
  }

  #reportActivity(): void {
    const entries: [number, number, number][] = [];
    for (const room of this.#rooms.values()) room.activity(entries);
    this.#post({ type: 'activity', entries });
  }

  /** Closes every room and stops reporting. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }
}
