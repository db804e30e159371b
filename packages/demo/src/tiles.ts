// The call grid: one <rtc-room> tile per member (self as camera), screen shares first and large,
// a microphone icon from the Douyin speakers event (audio on/off), a speaking outline from the
// voice-activity extension. Tiles are kept across redraws (no flicker).

/** The snapshots the grid is drawn from. */
export interface Lists {
  members: string[];
  video: string[];
  screen: string[];
  /** Members whose microphone audio is on (`onRtcChatSpeakersChanged`). */
  speakers: string[];
  /** Members speaking now (`onRtcActiveSpeakersChanged`). */
  talking: string[];
}

interface Texts {
  me: string;
  screenOf: string;
}

// a microphone; the slash shows while the member's audio is off
const MIC_SVG =
  '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><rect x="9" y="3" width="6" height="11" rx="3" fill="currentColor"/>' +
  '<path d="M6 11a6 6 0 0 0 12 0M12 17v4" stroke="currentColor" stroke-width="2" fill="none"/>' +
  '<path class="slash" d="M4 4l16 16" stroke="currentColor" stroke-width="2.2"/></svg>';

function tile(key: string, userId: string, mode: 'camera' | 'video' | 'screen'): HTMLElement {
  const t = document.createElement('div');
  t.className = mode === 'screen' ? 'tile screen' : 'tile';
  t.dataset.key = key;
  t.dataset.user = userId;
  const view = document.createElement('rtc-room');
  view.setAttribute('user-id', userId);
  view.setAttribute('mode', mode);
  const name = document.createElement('span');
  name.className = 'name';
  if (mode !== 'screen') {
    const mic = document.createElement('span');
    mic.className = 'mic';
    mic.innerHTML = MIC_SVG;
    t.append(view, mic, name);
  } else {
    t.append(view, name);
  }
  return t;
}

/** Redraws `grid` from `lists`. */
export function renderTiles(grid: HTMLElement, lists: Lists, me: string, text: Texts): void {
  const want: [string, string, 'camera' | 'video' | 'screen'][] = [];
  for (const id of lists.screen) if (id !== me) want.push([`screen:${id}`, id, 'screen']);
  for (const id of lists.members) want.push([`cam:${id}`, id, id === me ? 'camera' : 'video']);
  const keep = new Map([...grid.children].map((c) => [(c as HTMLElement).dataset.key, c as HTMLElement]));
  const tiles = want.map(([key, id, mode]) => keep.get(key) ?? tile(key, id, mode));
  tiles.forEach((el, i) => {
    const [, id, mode] = want[i]!;
    el.classList.toggle('speaking', mode !== 'screen' && lists.talking.includes(id));
    el.classList.toggle('muted', mode !== 'screen' && !lists.speakers.includes(id));
    el.querySelector('.name')!.textContent = mode === 'screen' ? `${id}${text.screenOf}` : id === me ? `${id} (${text.me})` : id;
  });
  if (tiles.length !== grid.children.length || tiles.some((el, i) => grid.children[i] !== el)) grid.replaceChildren(...tiles);
}
