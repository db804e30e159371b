/**
 * Virtual nodes: what one render of a page's template produces, diffed against the previous one.
 * @module
 */

/** An event handler on a virtual element (the handler name already evaluated). */
export interface VEvent {
  name: string;
  stop: boolean;
  capture: boolean;
  handler: string;
}

/** Text. */
export interface VText {
  kind: 'text';
  text: string;
  key: undefined;
  dom?: Text;
}

/** An element. `key` is set for `tt:for` items (`tt:key`). */
export interface VEl {
  kind: 'el';
  tag: string;
  key: string | undefined;
  attrs: Record<string, unknown>;
  /** `data-*` attributes, camel-cased, with their bound values (for `e.currentTarget.dataset`). */
  dataset: Record<string, unknown>;
  events: VEvent[];
  kids: VNode[];
  dom?: Element;
}

/** A virtual node. */
export type VNode = VText | VEl;
