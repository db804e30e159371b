/**
 * The admin API's usage answer, computed from the stored records (`usage/report.ts`).
 * @module
 */
import type { UsageReport, UsageStore } from '../usage/store.ts';
import { buildReport } from '../usage/report.ts';

/** What the usage route reads. */
export type UsageSource = Pick<UsageStore, 'calls'>;

/** `GET /apps/{appId}/usage`: participant-minutes and calls per room, minutes per day. */
export async function usageReport(store: UsageSource, appId: string, from: number, to: number, now = Date.now()): Promise<UsageReport> {
  return buildReport(appId, from, to, await store.calls(appId, from, to), now);
}
