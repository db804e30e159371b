/**
 * The doctor's report: checks grouped by section, one line each with ok / warn / FAIL, a summary
 * line, and the exit code (1 when anything failed).
 * @module
 */

/** How a check came out: `warn` is worth a look, `fail` means clients will not connect that way. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the report. */
export interface Check {
  /** The section it is printed under (`interfaces`, `signaling`, `media`, `turn`). */
  section: string;
  status: CheckStatus;
  /** What was found, on one line. */
  text: string;
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** Counts of each status. */
export function tally(checks: readonly Check[]): Record<CheckStatus, number> {
  const n = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) n[c.status]++;
  return n;
}

/**
 * The report as text: each section's name on a line of its own (in the order sections first
 * appear), its checks below it as `  ok    text`, then a summary line.
 */
export function formatReport(checks: readonly Check[]): string {
  const sections = new Map<string, Check[]>();
  for (const c of checks) {
    const list = sections.get(c.section) ?? [];
    list.push(c);
    sections.set(c.section, list);
  }
  const lines: string[] = [];
  for (const [name, list] of sections) {
    lines.push(name);
    for (const c of list) lines.push(`  ${LABEL[c.status]}  ${c.text.replace(/\s*\n\s*/g, ' ')}`);
  }
  const n = tally(checks);
  const verdict = n.fail > 0 ? 'clients may fail to connect: see the FAIL lines' : n.warn > 0 ? 'nothing failed; read the warnings' : 'nothing failed';
  lines.push('', `${n.ok} ok, ${n.warn} warn, ${n.fail} FAIL: ${verdict}`);
  return lines.join('\n');
}

/** The process exit code for a report: 0 when nothing failed, 1 otherwise. */
export function exitCode(checks: readonly Check[]): 0 | 1 {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
