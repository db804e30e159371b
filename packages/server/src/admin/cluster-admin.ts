/**
 * The admin API of a cluster node answers for the whole cluster. Listing reads the room directory
 * every node keeps in Redis (`cluster/room-directory.ts`); a request about one room held by
 * another node (members, kick, mute, close) is forwarded to that node over HTTP with the same
 * admin key (the nodes of a cluster share one key) and its answer passed back as is. A forwarded
 * request carries {@link FORWARDED_HEADER} and is answered by its receiver for itself alone, so a
 * request is forwarded at most once (no loop, even while two nodes disagree about a pin).
 * @module
 */
import { z } from 'zod';
import { ID_PATTERN } from '@rtcroom/protocol';
import type { NodeRecord } from '../cluster/node-record.ts';
import type { RoomDirectory } from '../cluster/room-directory.ts';
import type { RoomManager } from '../room/room-manager.ts';
import { AdminError } from './errors.ts';
import type { RoomView } from './rooms.ts';
import { checkId } from './validation.ts';

/** Marks a request forwarded by another node (its value: that node's id). */
export const FORWARDED_HEADER = 'x-rtcroom-forwarded-by';

/** How long the room's node has to answer a forwarded request (ms). */
export const FORWARD_TIMEOUT_MS = 3000;

/** What the cluster side of the admin API uses. */
export interface ClusterAdminDeps {
  /** This node's id. */
  nodeId: string;
  directory: Pick<RoomDirectory, 'roomsOf' | 'nodeOf'>;
  rooms: Pick<RoomManager, 'room'>;
}

/** A request to forward. */
export interface ForwardRequest {
  method: string;
  /** Path and query, as received. */
  target: string;
  authorization: string | undefined;
  body: string;
}

/** The room's node's answer, passed back as is. */
export interface Relayed {
  status: number;
  contentType: string;
  /** The answer's bytes as they came (JSON, or a recording file). */
  body: Buffer;
  /** The node that answered. */
  node: string;
}

const count = z.number().int().min(0);
/** A room summary read from Redis (written by another node, checked before it is shown). */
const roomViewSchema = z.object({
  roomId: z.string().regex(ID_PATTERN),
  startedAt: z.string().max(40),
  members: count,
  visibleMembers: count,
  publishers: count,
  worker: count.optional(),
});

const unavailable = (e: unknown) =>
  new AdminError('cluster_unavailable', `Redis cannot be reached, so the rooms of other nodes are unknown (${(e as Error).message}); send ${FORWARDED_HEADER}: <any> to ask about this node's own rooms`);

/** The cluster-wide answers. */
export class ClusterAdmin {
  readonly #d: ClusterAdminDeps;

  constructor(deps: ClusterAdminDeps) {
    this.#d = deps;
  }

  /** Adds the rooms of every other live node to `local` (this node's rooms); sorted by room id, then node. */
  async list(appId: string, local: RoomView[]): Promise<{ rooms: RoomView[] }> {
    let remote;
    try {
      remote = await this.#d.directory.roomsOf(appId);
    } catch (e) {
      throw unavailable(e);
    }
    const rooms = [...local];
    for (const r of remote) {
      const v = roomViewSchema.safeParse(r.summary);
      if (!v.success || v.data.roomId !== r.roomId) continue;
      const { worker, ...rest } = v.data;
      rooms.push({ ...rest, ...(worker === undefined ? {} : { worker }), node: r.node });
    }
    const key = (v: RoomView) => `${v.roomId}\u0000${v.node ?? ''}`;
    rooms.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return { rooms };
  }

  /**
   * Forwards a request about room `roomId` of `appId` (a known app) to the node holding it, when
   * that is another live node; undefined when this node answers (the room is here, or nowhere).
   * @throws AdminError `cluster_unavailable` (Redis), `node_unreachable` (no answer in time),
   *   `cluster_key_mismatch` (that node refused this node's admin key)
   */
  async relay(appId: string, roomId: string, req: ForwardRequest): Promise<Relayed | undefined> {
    const id = checkId('roomId', roomId);
    if (this.#d.rooms.room(appId, id)) return undefined;
    let node: NodeRecord | undefined;
    try {
      node = await this.#d.directory.nodeOf(appId, id);
    } catch (e) {
      throw unavailable(e);
    }
    if (!node) return undefined;
    const relayed = await this.#forward(node, id, req);
    if (relayed.status === 401) throw new AdminError('cluster_key_mismatch', `room ${id} is on node ${node.id}, which refused this node's admin key: give every node of a cluster the same --admin-key`);
    return relayed;
  }

  async #forward(node: NodeRecord, roomId: string, req: ForwardRequest): Promise<Relayed> {
    const headers: Record<string, string> = { [FORWARDED_HEADER]: this.#d.nodeId, 'content-type': 'application/json' };
    if (req.authorization !== undefined) headers.authorization = req.authorization;
    try {
      const res = await fetch(`${node.url.replace(/\/+$/, '')}${req.target}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', body, node: node.id };
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `did not answer within ${FORWARD_TIMEOUT_MS / 1000} s` : `cannot be reached (${(e as Error).message})`;
      throw new AdminError('node_unreachable', `room ${roomId} is on node ${node.id} at ${node.url}, which ${why}; if that node is down its rooms are gone from the cluster within its lease (3 s)`);
    }
  }
}
