/**
 * The entry of a media worker process, started by the main process's `WorkerPool` with
 * `child_process.fork` (the same Node and flags; TypeScript runs as is). Its configuration comes
 * in the environment ({@link WORKER_CONFIG_ENV}); its messages over the IPC channel. It owns the
 * UDP sockets of its rooms' peer connections: a crash takes down its rooms only, and the main
 * process starts it again. It exits when the main process is gone (the channel closes) or says
 * `shutdown`.
 * @module
 */
import { createLogger } from '../log.ts';
import { MediaHost } from './media-host.ts';
import { tierUpSooner } from '../jit-tiering.ts';
import { parseMainToWorker, parseWorkerConfig, WORKER_CONFIG_ENV, type WorkerToMain } from './protocol.ts';

tierUpSooner();
const config = parseWorkerConfig(process.env[WORKER_CONFIG_ENV]);
process.title = `rtcroom-media-${config.index}`;
const log = createLogger(config.logLevel, { worker: config.index });
const send = process.send?.bind(process);
if (!send) throw new Error('a media worker runs as a child process of "rtcroom serve --workers N"');

const post = (msg: WorkerToMain): void => {
  // the channel buffers when the main process is busy: packets never wait for it
  if (process.connected) send(msg);
};
const host = new MediaHost(config, log, post);

function stop(why: string): void {
  log.info('media worker stopping', { why });
  host.close();
  process.exit(0);
}

process.on('message', (raw: unknown) => {
  const msg = parseMainToWorker(raw, (detail) => log.warn('invalid message from the main process dropped', { detail }));
  if (!msg) return;
  if (msg.type === 'shutdown') return stop('shutdown');
  host.handle(msg);
});
process.on('disconnect', () => stop('the main process is gone'));
// a Ctrl-C or a service manager's SIGTERM reaches the whole process group: the main process
// decides (it tells its members, then says shutdown); if it dies, the channel closes and we stop
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
post({ type: 'ready', index: config.index, pid: process.pid });
log.debug('media worker ready', { pid: process.pid, ports: config.media.portRange });
