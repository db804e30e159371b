/**
 * Which node takes a new room: LiveKit's `sysload` selector. Draining nodes never do; among the
 * others, nodes under their sysload limit are preferred (when every node is over its limit the
 * room still goes to the least loaded one: a busy cluster degrades rather than refusing calls);
 * then the fewest rooms, then the fewest members, then the node asked (no redirect), then the id.
 * @module
 */
import type { NodeRecord } from './node-record.ts';

/**
 * The node for a new room, or undefined when no node can take one (all draining or avoided).
 * @param self the node deciding (preferred on a tie: the join needs no redirect)
 * @param avoid node ids not to choose (a client could not reach them)
 */
export function selectNode(nodes: readonly NodeRecord[], self: string, avoid: ReadonlySet<string> = new Set()): NodeRecord | undefined {
  const open = nodes.filter((n) => !n.draining && !avoid.has(n.id));
  const under = open.filter((n) => n.load.sysload < n.sysloadLimit);
  const pool = under.length > 0 ? under : open;
  return [...pool].sort(
    (a, b) =>
      (under.length > 0 ? 0 : a.load.sysload - b.load.sysload) ||
      a.load.rooms - b.load.rooms ||
      a.load.members - b.load.members ||
      Number(b.id === self) - Number(a.id === self) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )[0];
}
