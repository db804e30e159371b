// The demo's texts, zh-CN (default, as the seed) and English; every string lives here once.
const zh = {
  title: 'rtcroom 视频通话',
  roomId: '房间号',
  userId: '用户 ID',
  token: 'Token（可选，开发模式自动生成）',
  mic: '麦克风',
  camera: '摄像头',
  join: '进入房间',
  joining: '正在进房…',
  joined: '进房成功',
  joinFailed: '进房失败',
  cameraDenied: '请打开相机权限!',
  micDenied: '请打开麦克风权限!',
  leave: '离开',
  speaker: '扬声器',
  earpiece: '听筒',
  share: '共享屏幕',
  stopShare: '停止共享',
  room: '房间',
  invite: '复制邀请链接',
  copied: '链接已复制',
  me: '我',
  screenOf: '的屏幕',
  state: { idle: '未连接', connecting: '连接中…', connected: '已连接', reconnecting: '重连中…', failed: '连接失败' },
  interrupted: '通话已中断',
  noDevMode: '服务器已配置应用：请粘贴 Token',
  language: 'English',
};
type Messages = typeof zh;
const en: Messages = {
  title: 'rtcroom video call',
  roomId: 'Room',
  userId: 'User id',
  token: 'Token (optional; minted in dev mode)',
  mic: 'Microphone',
  camera: 'Camera',
  join: 'Join',
  joining: 'Joining…',
  joined: 'Joined the room',
  joinFailed: 'Could not join',
  cameraDenied: 'Please allow camera access!',
  micDenied: 'Please allow microphone access!',
  leave: 'Leave',
  speaker: 'Speaker',
  earpiece: 'Earpiece',
  share: 'Share screen',
  stopShare: 'Stop sharing',
  room: 'Room',
  invite: 'Copy invite link',
  copied: 'Link copied',
  me: 'me',
  screenOf: "'s screen",
  state: { idle: 'Not connected', connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', failed: 'Connection failed' },
  interrupted: 'The call was interrupted',
  noDevMode: 'This server has configured apps: paste a token',
  language: '中文',
};

const all = { 'zh-CN': zh, en } as const;
/** A language of the demo. */
export type Lang = keyof typeof all;

let lang: Lang = (localStorage.getItem('rtcroom.lang') as Lang | null) ?? 'zh-CN';
if (!(lang in all)) lang = 'zh-CN';

/** The current texts. */
export function t(): Messages {
  return all[lang];
}

/** The current language. */
export function language(): Lang {
  return lang;
}

/** Switches language (remembered) and re-applies `data-i18n` texts. */
export function switchLanguage(): void {
  lang = lang === 'zh-CN' ? 'en' : 'zh-CN';
  localStorage.setItem('rtcroom.lang', lang);
  applyTexts();
}

/** Fills every element with `data-i18n="key"` (text) or `data-i18n-label` (aria-label / placeholder). */
export function applyTexts(root: ParentNode = document): void {
  document.documentElement.lang = lang;
  const m = t() as unknown as Record<string, string>;
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = m[el.dataset.i18n!] ?? '';
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) el.setAttribute('aria-label', m[el.dataset.i18nLabel!] ?? '');
  document.title = t().title;
}
