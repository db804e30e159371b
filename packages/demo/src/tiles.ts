// The call grid: one <rtc-room> tile per member (self as camera), screen shares first and large,
// a speaking outline from the speakers snapshot. Tiles are kept across redraws (no flicker).

/** The four snapshots the grid is drawn from. */
export interface Lists {
  members: string[];
  video: string[];
  screen: string[];
  speakers: string[];
}

interface Texts {
  me: string;
  screenOf: string;
}

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
  t.append(view, name);
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
    el.classList.toggle('speaking', mode !== 'screen' && lists.speakers.includes(id));
    el.querySelector('.name')!.textContent = mode === 'screen' ? `${id}${text.screenOf}` : id === me ? `${id} (${text.me})` : id;
  });
  if (tiles.length !== grid.children.length || tiles.some((el, i) => grid.children[i] !== el)) grid.replaceChildren(...tiles);
}
