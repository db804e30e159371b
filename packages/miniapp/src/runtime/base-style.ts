/**
 * The runtime's own stylesheet: component defaults close to the mini-program's (block `view`,
 * 320×240 `image`, full-width `button`, the switch), the top bar, loading and modal boxes, and
 * `--tt-rpx` (1/750 of the viewport width).
 * @module
 */
export const BASE_STYLE = `
:root { --tt-rpx: calc(100vw / 750); --tt-bar: 44px; }
html, body { margin: 0; padding: 0; }
body { font: 16px/1.5 -apple-system, "PingFang SC", "Noto Sans CJK SC", system-ui, sans-serif; color: #161823; background: #fff; }
#tt-app { min-height: 100vh; display: flex; flex-direction: column; }
.tt-navbar { position: sticky; top: 0; z-index: 10; height: var(--tt-bar); display: flex; align-items: center; justify-content: center;
  background: #fff; color: #000; border-bottom: 1px solid rgba(0,0,0,.08); }
.tt-navbar[hidden] { display: none; }
.tt-navbar-title { margin: 0; font-size: 17px; font-weight: 600; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; max-width: 60%; }
.tt-navbar-back { position: absolute; left: 4px; top: 0; height: var(--tt-bar); min-width: 44px; border: 0; background: none; color: inherit; font-size: 30px; line-height: 1; cursor: pointer; }
.tt-navbar-back[hidden] { display: none; }
.tt-pages { flex: 1; display: flex; flex-direction: column; }
page { display: block; flex: 1; }
page[hidden], [hidden] { display: none !important; }
view, scroll-view, form { display: block; }
text { display: inline; white-space: pre-wrap; }
scroll-view { overflow: hidden; }
scroll-view[scroll-y] { overflow-y: auto; }
scroll-view[scroll-x] { overflow-x: auto; white-space: nowrap; }
image { display: inline-block; width: 320px; height: 240px; overflow: hidden; }
image > img { display: block; width: 100%; height: 100%; object-fit: fill; }
image[mode="aspectFit"] > img { object-fit: contain; }
image[mode="aspectFill"] > img { object-fit: cover; }
image[mode="widthFix"] { height: auto; }
image[mode="widthFix"] > img { height: auto; }
rtc-room { display: block; }
:where(page button) { display: block; box-sizing: border-box; width: 100%; margin: 0 auto; padding: 0 14px; min-height: 46px; border: 1px solid rgba(0,0,0,.12);
  border-radius: 5px; background: #f8f8f8; color: #000; font: inherit; font-size: 18px; cursor: pointer; }
:where(page button[data-tt-type="primary"]) { background: #fe2c55; border-color: #fe2c55; color: #fff; }
:where(page button[data-tt-type="warn"]) { background: #fff; color: #e64340; }
:where(page button[size="mini"]) { display: inline-block; width: auto; min-height: 32px; font-size: 13px; padding: 0 1.2em; }
:where(page button[plain]) { background: transparent; }
:where(page button:disabled) { opacity: .6; cursor: not-allowed; }
:where(page input:not([type="checkbox"]), page textarea) { box-sizing: border-box; display: block; width: 100%; font: inherit; min-height: 1.4em; border: 0; outline: none; background: transparent; }
input.tt-switch { appearance: none; position: relative; width: 52px; height: 32px; border-radius: 16px; background: #dfdfdf; cursor: pointer; transition: background .2s; vertical-align: middle; margin: 0; accent-color: #fe2c55; }
input.tt-switch::after { content: ""; position: absolute; top: 2px; left: 2px; width: 28px; height: 28px; border-radius: 50%; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.3); transition: left .2s; }
input.tt-switch:checked { background: #fe2c55; }
input.tt-switch:checked::after { left: 22px; }
input.tt-switch[type="checkbox"]:not([role]) { appearance: auto; width: 20px; height: 20px; }
.tt-loading { position: fixed; left: 50%; top: 40%; transform: translate(-50%, -50%); z-index: 2147483646; min-width: 120px; padding: 16px;
  border-radius: 8px; background: rgba(17,17,17,.86); color: #fff; display: flex; flex-direction: column; align-items: center; gap: 8px; font-size: 15px; }
.tt-spinner { width: 28px; height: 28px; border: 3px solid rgba(255,255,255,.3); border-top-color: #fff; border-radius: 50%; animation: tt-spin .8s linear infinite; }
@keyframes tt-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .tt-spinner { animation: none; } }
.tt-modal-mask { position: fixed; inset: 0; z-index: 2147483645; background: rgba(0,0,0,.6); display: flex; align-items: center; justify-content: center; }
.tt-modal { width: min(80vw, 320px); background: #fff; border-radius: 12px; overflow: hidden; text-align: center; }
.tt-modal-title { margin: 24px 24px 8px; font-size: 17px; }
.tt-modal-content { margin: 8px 24px 24px; color: #555; font-size: 15px; }
.tt-modal-buttons { display: flex; border-top: 1px solid rgba(0,0,0,.1); }
.tt-modal-buttons button { flex: 1; border: 0; border-radius: 0; background: none; min-height: 50px; font-size: 17px; }
.tt-modal-confirm { color: #fe2c55; font-weight: 600; }
.tt-modal-cancel + .tt-modal-confirm { border-left: 1px solid rgba(0,0,0,.1); }
.tt-error { margin: 16px; padding: 16px; border: 2px solid #e64340; border-radius: 8px; background: #fff4f4; color: #8a1c1c; white-space: pre-wrap; font: 13px/1.5 ui-monospace, monospace; }
`;
