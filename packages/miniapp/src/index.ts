/**
 * `@rtcroom/miniapp`: runs a Douyin mini-program project (app.json, pages with TTML, TTSS,
 * JS/TS) in a browser. This entry is the Node side (compiler, bundler, site); the browser runtime
 * is `src/runtime/index.ts`, bundled into `runtime.js`.
 * @module
 */
export * from './compiler/index.ts';
export { parseExpr, parseInterp, ExprError } from './expr/parse.ts';
export { evaluate, evalInterp } from './expr/evaluate.ts';
export type { Expr, Interp } from './expr/ast.ts';
export type { CompiledTemplate, Node as TemplateNode, EventBinding } from './ir.ts';
