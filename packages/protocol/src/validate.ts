/**
 * Runs a zod schema and turns the first problem into a Douyin-style detail text, e.g.
 * `params.roomId should be string, but got number` or
 * `expect params.streamType to be one of "audio", "video", "both", but got xxx`.
 * @module
 */
import type * as z from 'zod/mini';

/** Result of {@link validate}. */
export type Validated<T> = { ok: true; value: T } | { ok: false; detail: string };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (typeof value === 'object') return 'object';
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${String(value)}` : typeof value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function pathText(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** Formats one zod issue in the Douyin style. */
export function formatIssue(issue: z.core.$ZodIssue, root: string): string {
  const at = pathText(root, issue.path);
  const input = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined
        ? `${at} is required (${issue.expected})`
        : `${at} should be ${issue.expected}, but got ${typeName(input)}`;
    case 'invalid_value':
      return `expect ${at} to be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, but got ${describe(input)}`;
    case 'invalid_format':
      return `${at} should match ${issue.message}, but got ${describe(input)}`;
    case 'too_small':
    case 'too_big':
      return `${at} ${issue.message}, but got ${describe(input)}`;
    case 'unrecognized_keys':
      return `${at} has unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return `${at} ${issue.message}`;
  }
}

/**
 * Validates `input` against `schema`; on failure returns the first issue as a Douyin-style
 * detail whose field path starts with `root` (default `params`).
 */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, root = 'params'): Validated<z.output<S>> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, detail: first ? formatIssue(first, root) : `${root} is invalid` };
}
