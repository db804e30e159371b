// The test browser's flags: Playwright's disabled Chromium features kept (Chromium takes only the
// last `--disable-features`), and a new context's window loads no omnibox popup UI. Real Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_ARGS, DISABLED_FEATURES, launchBrowser, playwrightDisabledFeatures } from './browser.ts';

test("one --disable-features switch: Playwright's list and ours", () => {
  const switches = CHROMIUM_ARGS.filter((a) => a.startsWith('--disable-features='));
  assert.equal(switches.length, 1);
  const off = new Set(switches[0]!.slice('--disable-features='.length).split(','));
  const theirs = playwrightDisabledFeatures();
  // what keeps Chromium off the closed network among them
  assert.ok(theirs.includes('OptimizationHints') && theirs.includes('PreconnectToSearch'), theirs.join(','));
  for (const f of [...theirs, ...DISABLED_FEATURES]) assert.ok(off.has(f), f);
});

test("a new context's window loads no omnibox popup UI", async () => {
  const tb = await launchBrowser();
  try {
    const cdp = await tb.browser.newBrowserCDPSession();
    const context = await tb.browser.newContext();
    await (await context.newPage()).goto('about:blank');
    // the popups load as the window opens (Chromium 156: two chrome://omnibox-popup.top-chrome/ documents)
    await new Promise((r) => setTimeout(r, 1000));
    const { targetInfos } = (await cdp.send('Target.getTargets', { filter: [{}] } as never)) as unknown as { targetInfos: { type: string; url: string }[] };
    assert.ok(targetInfos.some((t) => t.url === 'about:blank'), 'the page is listed');
    assert.deepEqual(
      targetInfos.filter((t) => t.url.startsWith('chrome://omnibox-popup')).map((t) => t.url),
      [],
    );
  } finally {
    await tb.close();
  }
});
