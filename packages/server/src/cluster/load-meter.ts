/**
 * This node's load as it reports it: its counts, its packet rates and CPU share since the last
 * sample (at least half a second apart), and the machine's sysload.
 * @module
 */
import { availableParallelism, loadavg } from 'node:os';
import type { NodeLoad } from './node-record.ts';

/** This node's own figures, read at each sample. */
export interface LocalLoad {
  rooms: number;
  members: number;
  peers: number;
  /** Packets forwarded since start (a counter). */
  forwarded: number;
  /** Packets received since start (a counter). */
  received: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Turns counters into rates between samples. */
export class LoadMeter {
  readonly #read: () => LocalLoad;
  #last: { at: number; forwarded: number; received: number; cpu: NodeJS.CpuUsage };
  #rates = { forwardedPps: 0, receivedPps: 0, cpu: 0 };

  /** @param read this node's figures now */
  constructor(read: () => LocalLoad) {
    this.#read = read;
    const l = read();
    this.#last = { at: performance.now(), forwarded: l.forwarded, received: l.received, cpu: process.cpuUsage() };
  }

  /** The load now; rates are those of the last interval of at least 0.5 s. */
  sample(): NodeLoad {
    const now = performance.now();
    const l = this.#read();
    const dt = (now - this.#last.at) / 1000;
    if (dt >= 0.5) {
      const cpu = process.cpuUsage(this.#last.cpu);
      this.#rates = {
        forwardedPps: Math.round(Math.max(0, l.forwarded - this.#last.forwarded) / dt),
        receivedPps: Math.round(Math.max(0, l.received - this.#last.received) / dt),
        cpu: round2((cpu.user + cpu.system) / 1e6 / dt),
      };
      this.#last = { at: now, forwarded: l.forwarded, received: l.received, cpu: process.cpuUsage() };
    }
    return { rooms: l.rooms, members: l.members, peers: l.peers, ...this.#rates, sysload: round2(loadavg()[0]! / availableParallelism()) };
  }
}
