// Calls over links that fail, with real processes in network namespaces this test makes: the
// server in one namespace, Chromium for alice (publishing camera and microphone) in another and
// Chromium for bob (watching) in a third, each client on its own veth link. Faults are iptables
// rules in alice's namespace. Figures are printed (`# …`) for BENCHMARKS.md.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { lastList, until } from '../helpers/sdk-page.ts';
import { framesOf, logOf } from '../helpers/origin-page.ts';
import { namespacedCall } from '../helpers/netns-call.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('network faults (namespaces)', () => {
  const env = namespacedCall();

  // pages are closed after each test, passed or not, so the next one joins with the same ids
  const opened: Page[] = [];
  afterEach(async () => {
    env.topo.cut('alice', false);
    for (const p of opened.splice(0)) await p.context().close().catch(() => undefined);
    await sleep(500);
  });


  async function call(room: string): Promise<{ a: Page; b: Page }> {
    const pages = await env.call(room);
    opened.push(pages.a, pages.b);
    return pages;
  }

  /** ms until bob's count of alice's frames grows by `n` (polled every 50 ms). */
  async function framesResume(b: Page, n: number, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    const f0 = await framesOf(b, 'alice');
    await until(async () => (await framesOf(b, 'alice')) >= f0 + n, 'frames again', timeoutMs, 50);
    return performance.now() - t0;
  }

  test('3 s cuts of alice\'s link (3 of them): media resumes by itself (median < 2 s), bob\'s lists never change', async () => {
    const { a, b } = await call('cut3');
    const mark = (await logOf(b)).length;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      env.topo.cut('alice', true);
      await sleep(3000);
      env.topo.cut('alice', false);
      times.push(await framesResume(b, 5, 10_000));
      await sleep(2000);
    }
    const sorted = [...times].sort((x, y) => x - y);
    console.log(`# 3 s cuts: bob decodes alice's video again ${times.map((t) => Math.round(t)).join(', ')} ms after the link returns (median ${Math.round(sorted[1]!)})`);
    assert.ok(sorted[1]! < 2000, `median ${Math.round(sorted[1]!)} ms`);
    assert.ok(sorted[2]! < 5000, `worst ${Math.round(sorted[2]!)} ms`);
    const lists = (await logOf(b)).slice(mark).filter((e) => e.ev.endsWith('MembersChanged') || e.ev === 'onRtcChatSpeakersChanged');
    assert.deepEqual(lists, [], 'bob saw no list change');
    assert.equal((await logOf(a)).filter((e) => e.ev === 'onRtcChatInterrupted').length, 0);
  });

  test('a 30 s cut: alice leaves bob\'s lists within 5 s; when the link returns her SDK joins again and frames decode within 10 s', async () => {
    const { a, b } = await call('cut30');
    const t0 = performance.now();
    env.topo.cut('alice', true);
    await until(async () => JSON.stringify(await lastList(b, 'onRtcChatMembersChanged')) === '["bob"]', 'alice gone at bob', 10_000);
    const goneMs = performance.now() - t0;
    console.log(`# 30 s cut: alice left bob's lists ${Math.round(goneMs)} ms after the cut`);
    assert.ok(goneMs < 5000, `gone after ${Math.round(goneMs)} ms`);
    await sleep(30_000 - (performance.now() - t0));
    env.topo.cut('alice', false);
    const back = performance.now();
    await until(async () => JSON.stringify(await lastList(b, 'onRtcVideoMembersChanged')) === '["alice"]', 'alice publishing again', 10_000);
    // the new stream may restart the element's frame count: wait for it to run
    const start = await framesOf(b, 'alice');
    await until(async () => {
      const f = await framesOf(b, 'alice');
      return f > start + 3 || (f < start && f > 3);
    }, 'frames again', 10_000, 50);
    const ms = performance.now() - back;
    console.log(`# 30 s cut: alice's video decodes at bob again ${Math.round(ms)} ms after the link returns`);
    assert.ok(ms < 10_000, `frames again after ${Math.round(ms)} ms`);
    const states = (await logOf(a)).filter((e) => e.ev === 'onRtcStateChanged' && e.p.data?.connection === 'signaling').map((e) => e.p.errNo);
    assert.deepEqual(states.slice(-2), [21953, 21952]);
    assert.equal((await logOf(a)).filter((e) => e.ev === 'onRtcChatInterrupted').length, 0);
  });

  test('a network switch (new address on a new interface): alice resumes with ICE restarts, bob sees no leave or join', async () => {
    const { a, b } = await call('switch');
    const markB = (await logOf(b)).length;
    const markA = (await logOf(a)).length;
    env.topo.switchNetwork('alice');
    try {
      // the old address is gone: media can only come back on a path ICE found again
      const ms = await framesResume(b, 10, 20_000);
      console.log(`# network switch: bob decodes alice's video again ${Math.round(ms)} ms after alice's address changed`);
      const lists = (await logOf(b)).slice(markB).filter((e) => e.ev.endsWith('MembersChanged') || e.ev === 'onRtcChatSpeakersChanged');
      assert.deepEqual(lists, [], 'bob saw no list change');
      const logA = (await logOf(a)).slice(markA);
      const signaling = logA.filter((e) => e.ev === 'onRtcStateChanged' && e.p.data?.connection === 'signaling').map((e) => e.p.errNo);
      assert.deepEqual(signaling, [21953, 21952], 'alice resumed signaling once');
      assert.equal(logA.filter((e) => e.ev === 'onRtcChatInterrupted').length, 0);
      assert.ok(ms < 8000, `frames again after ${Math.round(ms)} ms`);
    } finally {
      env.topo.switchNetwork('alice');
    }
  });
});
