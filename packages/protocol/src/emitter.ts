/**
 * A small typed event emitter whose `emit` survives a throwing listener.
 * @module
 */

/** Maps event names to their argument tuples, e.g. `{ memberJoined: [Member] }`. */
export type EventMap = { [event: string]: unknown[] };

/** A listener of event `E`. */
export type Listener<Args extends unknown[]> = (...args: Args) => void;

/**
 * Typed emitter. A listener that throws does not stop the others; the error goes to
 * {@link TypedEmitter.onListenerError} (by default `console.error`).
 */
export class TypedEmitter<Events extends EventMap> {
  #listeners = new Map<keyof Events, Set<unknown>>();

  /** Called with errors thrown by listeners. */
  onListenerError: (error: unknown, event: keyof Events) => void = (error, event) => {
    console.error(`listener of "${String(event)}" threw`, error);
  };

  /** Adds a listener; adding the same function twice keeps one registration. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  /** Removes one listener, or every listener of `event` when none is given. */
  off<E extends keyof Events>(event: E, listener?: Listener<Events[E]>): this {
    if (listener === undefined) this.#listeners.delete(event);
    else this.#listeners.get(event)?.delete(listener);
    return this;
  }

  /** Removes every listener of every event. */
  removeAll(): void {
    this.#listeners.clear();
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Calls each listener of `event` in registration order; returns whether there was any. */
  emit<E extends keyof Events>(event: E, ...args: Events[E]): boolean {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const l of [...set]) {
      try {
        (l as Listener<Events[E]>)(...args);
      } catch (error) {
        try {
          this.onListenerError(error, event);
        } catch {
          // an error reporter that throws must not break emit either
        }
      }
    }
    return true;
  }
}
