// rtcroom as a benchmark target: its own server process, headless werift clients.
import { HeadlessPublisher, HeadlessSubscriber } from './headless-client.ts';
import { LeanListener } from './lean-listener.ts';
import { BENCH_APP, benchToken, startServerProcess, type ServerProcess, type ServerProcessOptions } from './server-process.ts';
import type { PublisherClient, SubscriberClient, Target } from './target.ts';

/** An audio-only publisher whose RFC 6464 levels the caller sets. */
type AudioPublisher = PublisherClient & { audioLevel: (() => number) | undefined };

/** Starts an rtcroom server process and returns it as a {@link Target}. */
export async function rtcroomTarget(
  nodeArgs: string[] = [],
  serverArgs: string[] = [],
  opts: ServerProcessOptions = {},
): Promise<Target & { server: ServerProcess; audioPublisher(room: string, user: string): Promise<AudioPublisher>; leanSubscriber(room: string, user: string): Promise<SubscriberClient> }> {
  const server = await startServerProcess(serverArgs, nodeArgs, opts);
  const spec = (room: string, user: string) => ({ wsUrl: server.wsUrl, appId: BENCH_APP.appId, roomId: room, userId: user, token: benchToken(room, user) });
  return {
    name: 'rtcroom',
    server,
    pid: server.pid,
    pinned: server.pinned,
    cpuSeconds: server.cpuSeconds,
    rssBytes: server.rssBytes,
    publisher: (room, user): Promise<PublisherClient> => HeadlessPublisher.join(spec(room, user)),
    subscriber: async (room, user, publishers): Promise<SubscriberClient> => {
      const sub = await HeadlessSubscriber.join({ ...spec(room, user), autoSubscribe: false });
      for (const p of publishers) await sub.signal.request('setSubscribe', { userId: p, sources: ['audio', 'video'], subscribe: true });
      return sub;
    },
    audioPublisher: (room: string, user: string): Promise<AudioPublisher> => HeadlessPublisher.join(spec(room, user), { video: false }),
    // counts media off the socket by its clear RTP headers (lean-listener.ts); subscribes to every
    // publisher by auto-subscribe, as a listener of an audio room would (one offer, not one per publisher)
    leanSubscriber: (room, user): Promise<SubscriberClient> => LeanListener.join({ ...spec(room, user), autoSubscribe: true }),
    stop: async () => server.stop(),
  };
}
