/**
 * Simulcast encodings of the camera: the same video in two or three sizes, lowest first, named
 * by RTP stream id (`q`, `h`, `f`), so the server can give each viewer the layer its link and
 * its tile can take. Three layers from 720p up, two from 270p (Chromium sends at most two at
 * 640×360 and silently drops a third), one below. A screen share is one layer.
 * @module
 */

/** The RTP stream ids of the layers, lowest first (the server ranks layers in this order). */
export const LAYER_RIDS = ['q', 'h', 'f'] as const;

/** Default bitrate caps of the lower layers by how much they are scaled down (bps). */
const LOW_LAYER_BPS: Record<number, number> = { 4: 150_000, 2: 500_000 };
/** The bottom layer of a two-layer stack (320×180 from 360p): small enough for a thin link. */
const HALF_OF_TWO_BPS = 150_000;

/**
 * The send encodings for a camera track of `height` pixels, or undefined for one plain
 * encoding. `maxBitrate` caps the top layer (the lower ones have fixed caps). Each layer asks
 * for one temporal layer (`scalabilityMode` `L1T1`): Chromium otherwise sends its simulcast
 * layers with three, which the server does not use and which recover worse from a lossy viewer
 * link (86–95% of frames decoded at 5% loss, against 98–102% with one; BENCHMARKS.md). A browser
 * that does not know the member ignores it (Chromium takes it without listing it in its
 * capabilities); one that refuses it gets {@link withoutScalabilityMode}.
 */
export function cameraEncodings(height: number | undefined, maxBitrate: number | undefined): RTCRtpEncodingParameters[] | undefined {
  const scales = scalesFor(height);
  if (scales.length < 2) return maxBitrate ? [{ maxBitrate }] : undefined;
  return scales.map((scale, i) => {
    const e: RTCRtpEncodingParameters & { scalabilityMode?: string } = { rid: LAYER_RIDS[i], scaleResolutionDownBy: scale, scalabilityMode: 'L1T1' };
    if (scale === 1) {
      if (maxBitrate) e.maxBitrate = maxBitrate;
    } else {
      e.maxBitrate = scales.length === 2 ? HALF_OF_TWO_BPS : LOW_LAYER_BPS[scale]!;
    }
    return e;
  });
}

/** The same encodings without `scalabilityMode` (for a browser that refuses it). */
export function withoutScalabilityMode(encodings: readonly RTCRtpEncodingParameters[]): RTCRtpEncodingParameters[] {
  return encodings.map((e) => {
    const { scalabilityMode: _, ...rest } = e as RTCRtpEncodingParameters & { scalabilityMode?: string };
    return rest;
  });
}

/** Scale-down factors of the layers a camera of `height` pixels can carry, lowest first. */
function scalesFor(height: number | undefined): number[] {
  const h = height ?? 0;
  return h >= 720 ? [4, 2, 1] : h >= 270 ? [2, 1] : [1];
}

/**
 * Fits existing simulcast encodings to a camera that now has `height` pixels (the app lowered
 * the resolution, or switched cameras): the layer count cannot change after negotiation, so the
 * lowest layers that no longer make sense are turned off and the rest re-scaled, the top one
 * always at full size. (Chromium would otherwise drop the *top* layers it cannot encode and
 * keep sending the bottom one at its old, now tiny, scale.) `wanted`: the server's dynacast
 * list (layers nobody can use are turned off too). Returns whether anything changed.
 */
export function fitLayers(encodings: RTCRtpEncodingParameters[], height: number | undefined, wanted?: readonly boolean[]): boolean {
  if (encodings.length < 2 || !encodings.every((e) => e.rid)) return false;
  const scales = scalesFor(height).slice(-encodings.length);
  const off = encodings.length - scales.length;
  // the server's dynacast list is by encoding; the lowest layer in use always stays on
  const usable = (i: number): boolean => i === off || wanted?.[i] !== false;
  let changed = false;
  encodings.forEach((e, i) => {
    const active = i >= off && usable(i);
    const scale = active ? scales[i - off]! : (e.scaleResolutionDownBy ?? 1);
    if (e.active !== active || e.scaleResolutionDownBy !== scale) {
      e.active = active;
      e.scaleResolutionDownBy = scale;
      changed = true;
    }
  });
  return changed;
}

/**
 * Applies a top-layer cap to existing encodings (keeps the lower layers' caps); returns whether
 * anything changed.
 */
export function capTopLayer(encodings: RTCRtpEncodingParameters[], maxBitrate: number): boolean {
  const top = encodings.at(-1);
  if (!top || top.maxBitrate === maxBitrate) return false;
  top.maxBitrate = maxBitrate;
  return true;
}
