/**
 * Dynacast: simulcast layers nobody can use are paused at the publisher, saving its uplink and
 * its encoder. A layer is needed when some subscriber shows the track in a tile that layer (and
 * no smaller one) covers, or in a tile of unknown size; hidden tiles need none. The lowest layer
 * always stays on: a new viewer starts at once, and a camera that sends nothing would look
 * stalled. A layer turns on at once and off only after nobody needed it for
 * {@link DYNACAST_OFF_AFTER_MS}, so tiles resized back and forth do not make it flap.
 * @module
 */
import { viewCap, type LayerInfo, type Viewport } from './allocator.ts';

/** How long a layer must be unneeded before it is paused (ms). */
export const DYNACAST_OFF_AFTER_MS = 3000;

/** The decision for one simulcast producer. */
export class Dynacast {
  /** Layers on, as last told to the publisher (undefined: never told, all on). */
  #told: boolean[] | undefined;
  /** Since when each layer has been unneeded (performance.now()). */
  readonly #unneededSince = new Map<number, number>();

  /** The layers on, as last told to the publisher; undefined before the first change (all on). */
  get told(): readonly boolean[] | undefined {
    return this.#told;
  }

  /**
   * Decides which layers should be on for these viewers' tiles; returns the new list when it
   * differs from what the publisher was last told, else undefined.
   */
  update(layers: readonly LayerInfo[], viewports: readonly (Viewport | undefined)[], nowMs: number): boolean[] | undefined {
    if (layers.length < 2) return undefined;
    let top = 0;
    for (const v of viewports) top = Math.max(top, viewCap(layers, v));
    const want = layers.map((l) => l.index <= top || l.index === 0);
    const next = want.map((on, i) => {
      if (on) {
        this.#unneededSince.delete(i);
        return true;
      }
      const since = this.#unneededSince.get(i) ?? nowMs;
      this.#unneededSince.set(i, since);
      // still on until unneeded long enough (on by default before the first decision)
      return nowMs - since < DYNACAST_OFF_AFTER_MS && (this.#told?.[i] ?? true);
    });
    const told = this.#told ?? layers.map(() => true);
    if (next.length === told.length && next.every((on, i) => on === told[i])) return undefined;
    this.#told = next;
    return next;
  }
}
