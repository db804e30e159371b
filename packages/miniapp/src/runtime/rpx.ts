/**
 * `rpx` in inline `style` bindings (stylesheets are converted by the compiler the same way).
 * @module
 */

const RPX = /(?<![\w.-])(-?(?:\d+\.?\d*|\.\d+))rpx\b/g;

/** Replaces every `Nrpx` by a `calc()` over the `--tt-rpx` variable (1/750 of the viewport width). */
export function convertRpx(css: string): string {
  if (!css.includes('rpx')) return css;
  return css.replace(RPX, (_, n: string) => (Number(n) === 0 ? '0px' : `calc(${n} * var(--tt-rpx))`));
}
