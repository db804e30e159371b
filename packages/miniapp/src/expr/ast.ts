/**
 * The expression tree of a TTML `{{ }}` binding. Plain JSON, so the compiler (Node) can ship it
 * to the runtime (browser), which evaluates it without `eval`.
 * @module
 */

/** One parsed expression. */
export type Expr =
  | { t: 'lit'; v: string | number | boolean | null | undefined }
  | { t: 'id'; n: string }
  | { t: 'mem'; o: Expr; p: Expr }
  | { t: 'un'; op: '!' | '-' | '+' | 'typeof'; a: Expr }
  | { t: 'bin'; op: BinaryOp; a: Expr; b: Expr }
  | { t: 'cond'; c: Expr; a: Expr; b: Expr }
  | { t: 'arr'; items: Expr[] }
  | { t: 'obj'; props: ObjProp[] };

/** A property of an object literal: `key: value`, shorthand `key`, or `...spread`. */
export type ObjProp = { k: string; v: Expr } | { spread: Expr };

/** Binary operators TTML expressions may use. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '===' | '!==' | '&&' | '||' | '??';

/**
 * A text or attribute value with bindings: literal strings and expressions in order.
 * `single` marks a value that is exactly one `{{expr}}`: its value keeps its type (not a string).
 */
export interface Interp {
  parts: (string | Expr)[];
  single?: true;
}
