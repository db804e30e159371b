// The demo call app: the seed's call (Volcengine's Douyin mini-program guide) on the web.
import { createRtcRoomContext, tt, type RtcRoomContext } from '@rtcroom/sdk';
import { applyTexts, switchLanguage, t } from './i18n.ts';
import { renderTiles, type Lists } from './tiles.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);

interface DevConfig {
  appId: string;
}

const params = new URLSearchParams(location.search);
input('roomId').value = params.get('room') ?? String(Math.floor(1000 + Math.random() * 9000));
input('userId').value = `user_${Math.random().toString(36).slice(2, 7)}`;
applyTexts();

const dev: DevConfig | undefined = await fetch('/api/dev/config')
  .then((r) => (r.ok ? (r.json() as Promise<DevConfig>) : undefined))
  .catch(() => undefined);
const appId = dev?.appId ?? params.get('appId') ?? '';
const ctx: RtcRoomContext = createRtcRoomContext({ appId });
let roomId = '';
let me = '';
let lists: Lists = { members: [], video: [], screen: [], speakers: [], talking: [] };
let stateKey: keyof ReturnType<typeof t>['state'] = 'idle';
let route: 'speakerphone' | 'earpiece' = 'speakerphone';

const showState = (): void => {
  $('state').textContent = t().state[stateKey];
};
const draw = (): void => renderTiles($('grid'), lists, me, t());

ctx.onRtcChatMembersChanged(({ userIdList }) => ((lists.members = userIdList), draw()));
ctx.onRtcVideoMembersChanged(({ userIdList }) => ((lists.video = userIdList), draw()));
ctx.onRtcPublishScreenMembersChanged(({ userIdList }) => ((lists.screen = userIdList), draw()));
ctx.onRtcChatSpeakersChanged(({ userIdList }) => ((lists.speakers = userIdList), draw()));
ctx.onRtcActiveSpeakersChanged(({ speakers }) => ((lists.talking = speakers.map((s) => s.userId)), draw()));
ctx.onRtcStateChanged(({ errNo }) => {
  const states: Record<number, typeof stateKey> = { 21951: 'connecting', 21952: 'connected', 21953: 'reconnecting', 21954: 'failed' };
  if (states[errNo]) {
    stateKey = states[errNo];
    showState();
  }
});
ctx.onRtcChatInterrupted(() => {
  tt.showToast({ title: t().interrupted, icon: 'fail' });
  showJoin();
});
ctx.onRoomTokenWillExpire(() => void renewToken());

async function devToken(room: string, user: string): Promise<string> {
  const res = await fetch('/api/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ roomId: room, userId: user }) });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token) throw new Error(body.error ?? res.statusText);
  return body.token;
}

async function renewToken(): Promise<void> {
  if (dev && roomId) await ctx.updateToken({ token: await devToken(roomId, me) }).catch(() => undefined);
}

function showJoin(): void {
  $('join').hidden = false;
  $('call').hidden = true;
  lists = { members: [], video: [], screen: [], speakers: [], talking: [] };
  stateKey = 'idle';
  draw();
}

function pressed(id: string, on: boolean): void {
  $(id).setAttribute('aria-pressed', String(on));
}

$<HTMLFormElement>('join').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const room = input('roomId').value.trim();
  me = input('userId').value.trim();
  roomId = `call_${room}`; // the room of the seed
  const button = $<HTMLButtonElement>('joinBtn');
  button.disabled = true;
  button.textContent = t().joining;
  try {
    // as the seed: capture per the switches, with its toasts when the browser refuses
    if (input('cameraOn').checked) await ctx.changeVideoCapture({ state: 1 }).catch(() => tt.showToast({ title: t().cameraDenied, icon: 'fail' }));
    if (input('micOn').checked) await ctx.changeAudioCapture({ state: 1 }).catch(() => tt.showToast({ title: t().micDenied, icon: 'fail' }));
    const token = input('token').value.trim() || (dev ? await devToken(roomId, me) : '');
    if (!token) throw new Error(t().noDevMode);
    await ctx.joinRtcRoom({ roomId, userId: me, token });
    tt.showToast({ title: t().joined });
    $('roomLabel').textContent = room;
    pressed('micBtn', !!ctx.capture.audio);
    pressed('camBtn', !!ctx.capture.video);
    $('join').hidden = true;
    $('call').hidden = false;
    history.replaceState(null, '', `?room=${encodeURIComponent(room)}`);
  } catch (e) {
    console.error('join failed', e);
    tt.showToast({ title: t().joinFailed, icon: 'fail' });
  } finally {
    button.disabled = false;
    applyTexts($('join'));
  }
});

async function toggle(id: string, call: (on: boolean) => Promise<unknown>, denied?: string): Promise<void> {
  const on = $(id).getAttribute('aria-pressed') !== 'true';
  try {
    await call(on);
    pressed(id, on);
  } catch {
    tt.showToast({ title: denied ?? t().joinFailed, icon: 'fail' });
  }
}

$('micBtn').addEventListener('click', () => void toggle('micBtn', (on) => ctx.changeAudioCapture({ state: on ? 1 : 0 }), t().micDenied));
$('camBtn').addEventListener('click', () => void toggle('camBtn', (on) => ctx.changeVideoCapture({ state: on ? 1 : 0 }), t().cameraDenied));
$('shareBtn').addEventListener('click', () =>
  void toggle('shareBtn', async (on) => {
    await ctx.publishScreen({ state: on ? 1 : 0 });
    $('shareBtn').dataset.i18n = on ? 'stopShare' : 'share';
    applyTexts($('call'));
  }),
);
$('routeBtn').addEventListener('click', async () => {
  route = route === 'speakerphone' ? 'earpiece' : 'speakerphone';
  await ctx.setAudioPlaybackDevice({ device: route });
  $('routeBtn').dataset.i18n = route === 'speakerphone' ? 'speaker' : 'earpiece';
  applyTexts($('call'));
});
$('leaveBtn').addEventListener('click', async () => {
  await ctx.exitRtcRoom({ roomId }).catch(() => undefined);
  await ctx.publishScreen({ state: 0 }).catch(() => undefined);
  await ctx.changeVideoCapture({ state: 0 }).catch(() => undefined);
  await ctx.changeAudioCapture({ state: 0 }).catch(() => undefined);
  showJoin();
});
$('invite').addEventListener('click', async () => {
  const link = `${location.origin}${location.pathname}?room=${encodeURIComponent($('roomLabel').textContent ?? '')}`;
  await navigator.clipboard?.writeText(link).catch(() => undefined);
  tt.showToast({ title: t().copied, icon: 'none' });
});
$('lang').addEventListener('click', () => {
  switchLanguage();
  showState();
  draw();
});
showState();
