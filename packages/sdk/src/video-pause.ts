/**
 * Whether remote video is paused for bandwidth, as the app was told: 21956 until 21957. The server
 * tells only changes (and repeats its current state after a resume); a rejoin starts a new member
 * whose video is not paused, so an app last told "paused" must then hear "resumed" — the new
 * member's server never says it, and video would play under an app still showing "audio only".
 * @module
 */

/** The app's view of the bandwidth pause of remote video. */
export class VideoPauseState {
  #paused = false;

  /** Whether the app was last told that video is paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** A notice from the server; whether the app should hear it (it changes what the app was told). */
  heard(paused: boolean): boolean {
    if (paused === this.#paused) return false;
    this.#paused = paused;
    return true;
  }

  /** The member was replaced by a new one (a rejoin); whether the app must now be told video resumed. */
  rejoined(): boolean {
    const was = this.#paused;
    this.#paused = false;
    return was;
  }
}
