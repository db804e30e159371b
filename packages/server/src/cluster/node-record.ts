/**
 * What a cluster node tells the others about itself (its Redis record, renewed under a lease),
 * and how a record read back from Redis is checked.
 * @module
 */
import { z } from 'zod';
import { NODE_ID_PATTERN } from '@rtcroom/protocol';

/** A node's load, as it reports it every lease renewal. */
export interface NodeLoad {
  /** Rooms held by the node. */
  rooms: number;
  /** Members in those rooms. */
  members: number;
  /** Media peer connections. */
  peers: number;
  /** RTP packets forwarded per second (all its media processes). */
  forwardedPps: number;
  /** RTP packets received per second. */
  receivedPps: number;
  /** CPU used by the server process, as a share of one core (1 = a full core) over the last interval. */
  cpu: number;
  /** The machine's 1-minute load average divided by its cores (LiveKit's `sysload`). */
  sysload: number;
}

/** A node's record in Redis. */
export interface NodeRecord {
  /** `--node-id`. */
  id: string;
  /** `http(s)://host:port` clients use to reach the node (`--public-url`). */
  url: string;
  /** Takes no new rooms (SIGTERM: draining). */
  draining: boolean;
  /** The node takes no new rooms while another node is under its limit (`--sysload-limit`). */
  sysloadLimit: number;
  /** When the node started (Unix ms). */
  startedAt: number;
  /** When the record was written (Unix ms, the node's clock). */
  updatedAt: number;
  /** Its load. */
  load: NodeLoad;
}

const count = z.number().int().min(0);
const rate = z.number().min(0);

const recordSchema = z.object({
  id: z.string().regex(NODE_ID_PATTERN),
  url: z.string().url().max(2048),
  draining: z.boolean(),
  sysloadLimit: rate,
  startedAt: count,
  updatedAt: count,
  load: z.object({ rooms: count, members: count, peers: count, forwardedPps: rate, receivedPps: rate, cpu: rate, sysload: rate }),
});

/** Parses a record read from Redis; undefined when it is missing or malformed (a foreign or older writer). */
export function parseNodeRecord(text: string | null): NodeRecord | undefined {
  if (text === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = recordSchema.safeParse(json);
  return r.success ? r.data : undefined;
}
