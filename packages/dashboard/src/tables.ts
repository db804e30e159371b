/**
 * The dashboard's three tables: live rooms, the members of the selected room, and usage.
 * Each is a small view object: `show(data)` on every poll, actions reported through callbacks.
 * @module
 */
import type { Member, MuteType, Room, Usage } from './api.ts';
import { formatDuration, formatKbps, formatLoss, formatMinutes, lossLevel, loudness } from './format.ts';
import { History } from './history.ts';
import { el, syncRows } from './rows.ts';
import { SPARK_SLOTS, sparkline } from './sparkline.ts';

const time = (iso: string) => new Date(iso).toLocaleTimeString();
const dateTime = (iso: string) => new Date(iso).toLocaleString();

function button(text: string, action: string, className = ''): HTMLButtonElement {
  const b = el('button', `small ${className}`.trim(), text);
  b.type = 'button';
  b.dataset.action = action;
  return b;
}

interface RoomRow {
  tr: HTMLTableRowElement;
  cells: HTMLTableCellElement[];
}

/** The live rooms table: a click selects a room; its Close button asks to close it. */
export class RoomsTable {
  readonly #tbody: HTMLTableSectionElement;
  readonly #rows = new Map<string, RoomRow>();
  #selected: string | undefined;

  constructor(tbody: HTMLTableSectionElement, onSelect: (roomId: string) => void, onClose: (roomId: string) => void) {
    this.#tbody = tbody;
    tbody.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest('tr');
      const roomId = tr?.dataset.key;
      if (roomId === undefined) return;
      if ((e.target as Element).closest('button[data-action="close"]')) onClose(roomId);
      else onSelect(roomId);
    });
  }

  /** Shows `rooms`, `selected` highlighted. */
  show(rooms: readonly Room[], selected: string | undefined, now: number): void {
    this.#selected = selected;
    syncRows(
      this.#tbody,
      this.#rows,
      rooms,
      (r) => r.roomId,
      () => {
        const tr = el('tr');
        const cells = ['id', 'num', 'num', '', '', 'num', 'actions'].map((c) => el('td', c));
        cells[6]!.append(button('Close', 'close', 'danger'));
        tr.append(...cells);
        return { tr, cells };
      },
      (row, r) => {
        const [id, members, publishers, started, length, worker] = row.cells;
        id!.textContent = r.roomId;
        members!.textContent = String(r.members);
        members!.title = `${r.visibleMembers} visible`;
        publishers!.textContent = String(r.publishers);
        started!.textContent = time(r.startedAt);
        started!.title = dateTime(r.startedAt);
        length!.textContent = formatDuration(Date.parse(r.startedAt), now);
        worker!.textContent = r.worker === undefined ? '–' : String(r.worker);
        row.tr.classList.toggle('selected', r.roomId === this.#selected);
        row.tr.setAttribute('aria-selected', String(r.roomId === this.#selected));
      },
    );
  }
}

interface MemberRow {
  tr: HTMLTableRowElement;
  user: HTMLTableCellElement;
  state: HTMLTableCellElement;
  joined: HTMLTableCellElement;
  published: HTMLTableCellElement;
  speaking: HTMLTableCellElement;
  meter: HTMLSpanElement;
  send: HTMLSpanElement;
  sendSpark: ReturnType<typeof sparkline>;
  receiveCell: HTMLTableCellElement;
  receive: HTMLSpanElement;
  /** "audio only": its video is paused for its downlink's bandwidth. */
  audioOnly: HTMLSpanElement;
  receiveSpark: ReturnType<typeof sparkline>;
  loss: HTMLTableCellElement;
  mutes: Record<MuteType, HTMLButtonElement>;
}

const SOURCE_LABEL: Record<string, string> = { audio: 'mic', video: 'camera', screen: 'screen', screenAudio: 'screen audio' };

/** The members of one room, with their streams, voice and media figures; kick and mute buttons. */
export class MembersTable {
  readonly #tbody: HTMLTableSectionElement;
  readonly #rows = new Map<string, MemberRow>();
  readonly #sent = new History(SPARK_SLOTS);
  readonly #received = new History(SPARK_SLOTS);

  constructor(tbody: HTMLTableSectionElement, onKick: (userId: string) => void, onMute: (userId: string, type: MuteType) => void) {
    this.#tbody = tbody;
    tbody.addEventListener('click', (e) => {
      const b = (e.target as Element).closest('button');
      const userId = b?.closest('tr')?.dataset.key;
      if (!b || userId === undefined) return;
      const action = b.dataset.action ?? '';
      if (action === 'kick') onKick(userId);
      else if (action.startsWith('mute-')) onMute(userId, action.slice(5) as MuteType);
    });
  }

  /** Shows `members` of one room and adds their bitrates to the sparklines. */
  show(members: readonly Member[], now: number): void {
    const keep = new Set(members.map((m) => m.userId));
    this.#sent.retain(keep);
    this.#received.retain(keep);
    for (const m of members) {
      this.#sent.push(m.userId, m.stats?.sendKbps ?? 0);
      this.#received.push(m.userId, m.stats?.receiveKbps ?? 0);
    }
    syncRows(this.#tbody, this.#rows, members, (m) => m.userId, () => this.#create(), (row, m) => this.#update(row, m, now));
  }

  /** Empties the table (another room selected). */
  clear(): void {
    this.show([], 0);
  }

  #create(): MemberRow {
    const tr = el('tr');
    const td = (c: string) => el('td', c);
    const user = td('user');
    const state = td('state');
    const joined = td('joined');
    const published = td('published');
    const speaking = td('speaking');
    const meter = el('span', 'meter');
    meter.append(el('span', 'fill'));
    speaking.append(meter);
    const sendCell = td('num send');
    const send = el('span', 'value');
    const sendSpark = sparkline();
    sendCell.append(send, sendSpark.el);
    const receiveCell = td('num receive');
    const receive = el('span', 'value');
    const receiveSpark = sparkline();
    const audioOnly = el('span', 'tag', 'audio only');
    audioOnly.hidden = true;
    receiveCell.append(receive, audioOnly, receiveSpark.el);
    const loss = td('num loss');
    const actions = td('actions');
    const mutes = { audio: button('Mic off', 'mute-audio'), video: button('Camera off', 'mute-video'), screen: button('Screen off', 'mute-screen') };
    for (const [type, b] of Object.entries(mutes)) b.title = `Stop forwarding its ${type === 'audio' ? 'microphone' : type} (server-side unpublish; its app is told)`;
    actions.append(mutes.audio, mutes.video, mutes.screen, button('Kick', 'kick', 'danger'));
    tr.append(user, state, joined, published, speaking, sendCell, receiveCell, loss, actions);
    return { tr, user, state, joined, published, speaking, meter, send, sendSpark, receiveCell, receive, audioOnly, receiveSpark, loss, mutes };
  }

  #update(row: MemberRow, m: Member, now: number): void {
    row.user.textContent = m.userId;
    if (!m.visible) row.user.append(el('span', 'tag', 'invisible'));
    row.state.textContent = m.state;
    row.state.className = `state ${m.state}`;
    row.joined.textContent = formatDuration(Date.parse(m.joinedAt), now);
    row.joined.title = `joined ${dateTime(m.joinedAt)}`;
    row.published.replaceChildren(...(m.published.length ? m.published.map((s) => el('span', `badge ${s}`, SOURCE_LABEL[s] ?? s)) : [el('span', 'muted', 'nothing')]));
    row.speaking.classList.toggle('on', m.speaking);
    row.speaking.title = m.speaking ? `speaking, level −${m.level ?? 127} dBov` : 'silent';
    (row.meter.firstElementChild as HTMLElement).style.width = `${Math.round((m.speaking ? loudness(m.level ?? 127) : 0) * 100)}%`;
    row.send.textContent = m.stats ? formatKbps(m.stats.sendKbps) : '–';
    row.sendSpark.update(this.#sent.get(m.userId));
    row.receive.textContent = m.stats ? formatKbps(m.stats.receiveKbps) : '–';
    const downlink = m.stats?.downlinkKbps;
    row.receiveCell.title = downlink === undefined || downlink === null ? 'downlink not measured' : `the server estimates its downlink at ${formatKbps(downlink)}`;
    row.audioOnly.hidden = !m.stats?.videoPausedForBandwidth;
    row.receiveSpark.update(this.#received.get(m.userId));
    row.loss.textContent = m.stats ? formatLoss(m.stats.lossPercent) : '–';
    row.loss.dataset.level = m.stats ? lossLevel(m.stats.lossPercent) : 'ok';
    row.mutes.audio.disabled = !m.published.includes('audio');
    row.mutes.video.disabled = !m.published.includes('video');
    row.mutes.screen.disabled = !m.published.includes('screen') && !m.published.includes('screenAudio');
  }
}

/** The usage table: a row per room, the totals in the footer, the minutes per day below. */
export function showUsage(tbody: HTMLTableSectionElement, tfoot: HTMLTableSectionElement, days: HTMLElement, u: Usage): void {
  const row = (cells: string[], tag: 'td' | 'th' = 'td') => {
    const tr = el('tr');
    cells.forEach((c, i) => tr.append(el(tag, i > 0 ? 'num' : '', c)));
    return tr;
  };
  tbody.replaceChildren(...u.rooms.map((r) => row([r.roomId, String(r.calls), formatMinutes(r.participantMinutes)])));
  if (u.rooms.length === 0) {
    const empty = row(['No calls in this window.', '', '']);
    empty.className = 'empty';
    tbody.append(empty);
  }
  tfoot.replaceChildren(row(['Total', String(u.totals.calls), formatMinutes(u.totals.participantMinutes)], 'th'));
  days.textContent = u.days.length ? `Per UTC day: ${u.days.map((d) => `${d.day} ${formatMinutes(d.participantMinutes)} min`).join(' · ')}` : '';
}
