/**
 * The operator's dashboard: logs in with the admin key (kept in this tab's sessionStorage), then
 * polls the admin API for the app's live rooms, the selected room's members and the usage table.
 * @module
 */
import { AdminClient, ApiError, apiOffMessage, type MuteType } from './api.ts';
import { usageQuery, type UsageWindow } from './format.ts';
import { MembersTable, RoomsTable, showUsage } from './tables.ts';

/** How often rooms and members are read (ms). */
const POLL_MS = 1500;
/** How often the usage table is read (ms). */
const USAGE_POLL_MS = 15_000;
const KEY_STORE = 'rtcroom.dashboard.key';
const APP_STORE = 'rtcroom.dashboard.app';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  off: $<HTMLParagraphElement>('off'),
  login: $<HTMLFormElement>('login'),
  key: $<HTMLInputElement>('key'),
  loginError: $<HTMLParagraphElement>('loginError'),
  bar: $<HTMLDivElement>('bar'),
  app: $<HTMLSelectElement>('app'),
  status: $<HTMLSpanElement>('status'),
  logout: $<HTMLButtonElement>('logout'),
  board: $<HTMLDivElement>('board'),
  error: $<HTMLParagraphElement>('error'),
  roomCount: $<HTMLSpanElement>('roomCount'),
  noRooms: $<HTMLParagraphElement>('noRooms'),
  roomPanel: $<HTMLElement>('roomPanel'),
  roomTitle: $<HTMLElement>('roomTitle'),
  memberCount: $<HTMLSpanElement>('memberCount'),
  usageWindow: $<HTMLSelectElement>('usageWindow'),
  usage: $<HTMLTableElement>('usage'),
  usageDays: $<HTMLParagraphElement>('usageDays'),
  usageError: $<HTMLParagraphElement>('usageError'),
};
const tbody = (id: string) => ($<HTMLTableElement>(id).tBodies[0] ?? $<HTMLTableElement>(id).createTBody()) as HTMLTableSectionElement;

let client: AdminClient | undefined;
let appId = '';
let selected: string | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let usageAt = 0;
/** Bumped on every login, logout and app change: answers of an older generation are dropped. */
let generation = 0;

const roomsTable = new RoomsTable(tbody('rooms'), selectRoom, (roomId) => void act(`Close room ${roomId} for everyone in it?`, () => client!.closeRoom(appId, roomId)));
const membersTable = new MembersTable(
  tbody('members'),
  (userId) => void act(`Kick ${userId} out of ${selected}? Its app will not rejoin.`, () => client!.kick(appId, selected!, userId)),
  (userId, type: MuteType) => void act(undefined, () => client!.mute(appId, selected!, userId, type)),
);

function showError(where: HTMLElement, e: unknown): void {
  where.textContent = e instanceof Error ? e.message : String(e);
  where.hidden = false;
}

/** Runs an operator action (after a confirmation when `question` is given), then refreshes. */
async function act(question: string | undefined, run: () => Promise<void>): Promise<void> {
  if (!client || (question !== undefined && !confirm(question))) return;
  try {
    await run();
    ui.error.hidden = true;
  } catch (e) {
    showError(ui.error, e);
  }
  await poll(generation);
}

function selectRoom(roomId: string): void {
  if (roomId === selected) return;
  selected = roomId;
  membersTable.clear();
  void poll(generation);
}

/** Reads rooms (and the selected room's members, and now and then usage) and shows them. */
async function poll(gen: number): Promise<void> {
  if (!client || gen !== generation) return;
  const c = client;
  try {
    const rooms = await c.rooms(appId);
    if (gen !== generation) return;
    if (selected === undefined || !rooms.some((r) => r.roomId === selected)) selected = rooms[0]?.roomId;
    const now = Date.now();
    roomsTable.show(rooms, selected, now);
    ui.roomCount.textContent = `(${rooms.length})`;
    ui.noRooms.hidden = rooms.length > 0;
    ui.roomPanel.hidden = selected === undefined;
    if (selected !== undefined) {
      const roomId = selected;
      const answer = await c.members(appId, roomId).catch((e: unknown) => {
        // the room ended between the two reads: it goes from the list on the next poll
        if (e instanceof ApiError && e.code === 'unknown_room') return undefined;
        throw e;
      });
      if (gen !== generation || roomId !== selected) return;
      ui.roomTitle.textContent = roomId;
      ui.memberCount.textContent = answer ? `(${answer.members.length} members)` : '(ended)';
      membersTable.show(answer?.members ?? [], Date.now());
    } else membersTable.clear();
    if (Date.now() - usageAt >= USAGE_POLL_MS) await pollUsage(gen);
    ui.status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    ui.error.hidden = true;
  } catch (e) {
    if (gen !== generation) return;
    if (e instanceof ApiError && e.status === 401) return logout(e.message);
    showError(ui.error, e);
    ui.status.textContent = 'not updating';
  }
}

async function pollUsage(gen: number): Promise<void> {
  usageAt = Date.now();
  try {
    const u = await client!.usage(appId, usageQuery(ui.usageWindow.value as UsageWindow, Date.now()));
    if (gen !== generation) return;
    showUsage(ui.usage.tBodies[0]!, ui.usage.tFoot ?? ui.usage.createTFoot(), ui.usageDays, u);
    ui.usageError.hidden = true;
  } catch (e) {
    if (gen !== generation) return;
    // usage records off (`--no-usage`) is not an error of the rest of the board
    if (e instanceof ApiError && e.status === 401) throw e;
    showError(ui.usageError, e);
  }
}

function loop(gen: number): void {
  void poll(gen).finally(() => {
    if (gen === generation) timer = setTimeout(() => loop(gen), POLL_MS);
  });
}

/** Tries `key`: on success shows the board and starts polling; resolves with the error otherwise. */
async function login(key: string): Promise<ApiError | Error | undefined> {
  const c = new AdminClient(key);
  let apps: string[];
  try {
    apps = await c.apps();
  } catch (e) {
    return e as Error;
  }
  sessionStorage.setItem(KEY_STORE, key);
  client = c;
  ui.app.replaceChildren(...apps.map((id) => new Option(id, id)));
  const saved = sessionStorage.getItem(APP_STORE);
  appId = saved !== null && apps.includes(saved) ? saved : (apps[0] ?? '');
  ui.app.value = appId;
  ui.login.hidden = true;
  ui.bar.hidden = false;
  ui.board.hidden = false;
  start();
  return undefined;
}

function start(): void {
  clearTimeout(timer);
  generation++;
  selected = undefined;
  usageAt = 0;
  membersTable.clear();
  loop(generation);
}

function logout(message?: string): void {
  clearTimeout(timer);
  generation++;
  client = undefined;
  sessionStorage.removeItem(KEY_STORE);
  ui.board.hidden = true;
  ui.bar.hidden = true;
  ui.login.hidden = false;
  ui.key.value = '';
  ui.loginError.hidden = message === undefined;
  ui.loginError.textContent = message ?? '';
  ui.key.focus();
}

ui.login.addEventListener('submit', (e) => {
  e.preventDefault();
  ui.loginError.hidden = true;
  void login(ui.key.value.trim()).then((err) => {
    if (err) showError(ui.loginError, err);
  });
});
ui.logout.addEventListener('click', () => logout());
ui.app.addEventListener('change', () => {
  appId = ui.app.value;
  sessionStorage.setItem(APP_STORE, appId);
  start();
});
ui.usageWindow.addEventListener('change', () => {
  usageAt = 0;
  void poll(generation);
});

async function boot(): Promise<void> {
  const off = await apiOffMessage();
  if (off !== undefined) {
    ui.off.textContent = `The dashboard shows what the admin API reports, and ${off}.`;
    ui.off.hidden = false;
    return;
  }
  const saved = sessionStorage.getItem(KEY_STORE);
  if (saved !== null && (await login(saved)) === undefined) return;
  sessionStorage.removeItem(KEY_STORE);
  ui.login.hidden = false;
  ui.key.focus();
}

void boot();
