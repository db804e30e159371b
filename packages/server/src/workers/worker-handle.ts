/**
 * The main process's side of one media worker process: starts it (`child_process.fork` of
 * `worker-main.ts`), sends it messages, matches replies to requests, validates what it says, and
 * reports its exit. A handle outlives restarts: `start()` again forks a new process.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RtcError, TypedEmitter } from '@rtcroom/protocol';
import type { Logger } from '../log.ts';
import {
  parseWorkerToMain,
  WORKER_CONFIG_ENV,
  type MainToWorker,
  type RequestOf,
  type RequestResults,
  type RequestType,
  type WorkerConfig,
  type WorkerLoad,
  type WorkerToMain,
} from './protocol.ts';

/** The worker's entry file. */
export const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

/** A request not answered in this time fails (the worker is hung or gone). */
export const REQUEST_TIMEOUT_MS = 15_000;

/** State of a worker. */
export type WorkerState = 'starting' | 'ready' | 'down';

/** Events of a worker handle. */
export type WorkerHandleEvents = {
  /** The process said `ready`. */
  ready: [];
  /** A validated message other than `ready` and `reply`. */
  message: [WorkerToMain];
  /** The process exited (crash, kill, or shutdown). */
  exit: [code: number | null, signal: NodeJS.Signals | null];
};

type Pending = { resolve: (r: Record<string, unknown>) => void; reject: (e: RtcError) => void; timer: NodeJS.Timeout; api: string };

/** Node flags for the worker: the main process's, minus those meant for it alone (test runner, inspector, watch). */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  return execArgv.filter((a) => !/^--(test|inspect|watch|cpu-prof|heap-prof|prof)/.test(a));
}

/** One media worker process, as seen from the main process. */
export class WorkerHandle extends TypedEmitter<WorkerHandleEvents> {
  readonly index: number;
  readonly #config: WorkerConfig;
  readonly #log: Logger;
  readonly #entry: string;
  #child: ChildProcess | undefined;
  #state: WorkerState = 'down';
  #pending = new Map<number, Pending>();
  #nextId = 1;
  /** The process's id while it runs. */
  pid: number | undefined;
  /** Its last load report. */
  load: WorkerLoad | undefined;
  /** Times it was started after the first. */
  restarts = 0;
  /** When the current process started (performance.now()). */
  startedAt = 0;
  /** When it last said anything (performance.now()). */
  lastMessageAt = 0;

  /** @param entry the worker's entry file (tests may use another) */
  constructor(config: WorkerConfig, log: Logger, entry = WORKER_ENTRY) {
    super();
    this.index = config.index;
    this.#config = config;
    this.#log = log.child({ worker: config.index });
    this.#entry = entry;
  }

  /** `starting` until it said ready, `ready`, or `down` (not running). */
  get state(): WorkerState {
    return this.#state;
  }

  /** Starts the process (again). */
  start(): void {
    if (this.#child) return;
    if (this.startedAt) this.restarts++;
    this.#state = 'starting';
    this.startedAt = this.lastMessageAt = performance.now();
    const child = fork(this.#entry, [], {
      execArgv: workerExecArgv(),
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(this.#config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.#child = child;
    this.pid = child.pid;
    child.on('message', (raw: unknown) => this.#onMessage(child, raw));
    child.on('error', (err) => this.#log.warn('media worker channel error', { err }));
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
  }

  #onMessage(child: ChildProcess, raw: unknown): void {
    if (child !== this.#child) return;
    this.lastMessageAt = performance.now();
    const msg = parseWorkerToMain(raw, (detail) => this.#log.warn('invalid message from a media worker dropped', { detail }));
    if (!msg) return;
    if (msg.type === 'ready') {
      this.#state = 'ready';
      this.#log.info('media worker ready', { pid: msg.pid, restarts: this.restarts });
      this.emit('ready');
      return;
    }
    if (msg.type === 'reply') {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(RtcError.fromPayload(msg.error, p.api));
      else p.resolve(msg.result ?? {});
      return;
    }
    if (msg.type === 'load') this.load = msg.load;
    this.emit('message', msg);
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    this.#state = 'down';
    this.pid = undefined;
    this.load = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new RtcError('mediaFailed', p.api, 'the media worker of the room stopped'));
    }
    this.emit('exit', code, signal);
  }

  /** Sends a one-way message; dropped (false) when the worker is not running. */
  send(msg: MainToWorker): boolean {
    const child = this.#child;
    if (!child?.connected) return false;
    child.send(msg);
    return true;
  }

  /** Sends a request; resolves with its result, rejects with the worker's error (or `mediaFailed` when it stops or times out). */
  request<T extends RequestType>(msg: RequestOf<T>, api: string): Promise<RequestResults[T]> {
    const id = this.#nextId++;
    return new Promise<RequestResults[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RtcError('mediaFailed', api, `the media worker did not answer in ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      timer.unref();
      this.#pending.set(id, { resolve: (r) => resolve(r as RequestResults[T]), reject, timer, api });
      if (!this.send({ ...msg, id } as MainToWorker)) {
        this.#pending.delete(id);
        clearTimeout(timer);
        reject(new RtcError('mediaFailed', api, 'the media worker of the room is not running'));
      }
    });
  }

  /** Kills the process (SIGKILL: a hung worker); its exit follows. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child?.kill(signal);
  }

  /** Resolves once the process has exited (at once when it is not running). */
  exited(): Promise<void> {
    if (!this.#child) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off('exit', done);
        resolve();
      };
      this.on('exit', done);
    });
  }
}
