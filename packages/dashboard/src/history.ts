/**
 * Recent values per key (a member's send and receive bitrate), for sparklines: the last `size`
 * samples, oldest first. Keys not seen in an update are dropped (the member left).
 * @module
 */

/** Rolling samples per key. */
export class History {
  readonly #size: number;
  readonly #series = new Map<string, number[]>();

  /** @param size samples kept per key */
  constructor(size = 60) {
    this.#size = size;
  }

  /** Appends `value` to `key`'s series. */
  push(key: string, value: number): void {
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = []));
    s.push(value);
    if (s.length > this.#size) s.splice(0, s.length - this.#size);
  }

  /** `key`'s samples, oldest first (empty when unknown). */
  get(key: string): readonly number[] {
    return this.#series.get(key) ?? [];
  }

  /** Forgets every key not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const k of this.#series.keys()) if (!keep.has(k)) this.#series.delete(k);
  }
}
