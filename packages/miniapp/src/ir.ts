/**
 * The compiled form of a TTML file, shared by the compiler (Node) and the runtime (browser):
 * plain JSON, with bindings already parsed into expression trees.
 * @module
 */
import type { Expr, Interp } from './expr/ast.ts';

/** An event binding: `bindtap="onTap"`, `catchtap`, `bind:input`, `capture-bind:tap`. */
export interface EventBinding {
  /** Event name as TTML writes it (`tap`, `input`, `change`, `scroll`, `error`, …). */
  name: string;
  /** `catch*`: stops the event from reaching ancestors. */
  stop: boolean;
  /** `capture-bind`/`capture-catch`: runs in the capture phase. */
  capture: boolean;
  /** The page method's name (may be a binding). */
  handler: Interp;
}

/** A compiled node. */
export type Node =
  | { k: 'text'; v: Interp }
  | { k: 'el'; tag: string; attrs: Record<string, Interp>; events: EventBinding[]; kids: Node[]; line: number }
  | { k: 'block'; kids: Node[] }
  | { k: 'if'; branches: { cond: Expr | null; node: Node }[] }
  | { k: 'for'; list: Interp; item: string; index: string; key: string | undefined; body: Node }
  | { k: 'tpl'; is: Interp; data: Expr | undefined; line: number }
  | { k: 'include'; src: string };

/** One compiled `.ttml` file. */
export interface CompiledTemplate {
  /** Project-relative path, e.g. `pages/call/index.ttml`. */
  path: string;
  /** The nodes rendered by the file (templates and imports taken out). */
  body: Node[];
  /** `<template name="x">` definitions. */
  templates: Record<string, Node[]>;
  /** Files named by `<import src>`, resolved to project-relative paths. */
  imports: string[];
}
