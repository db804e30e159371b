/**
 * `@rtcroom/protocol`: the signaling messages, the error table and shared constants.
 * @module
 */
export * from './constants.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './validate.ts';
export * from './emitter.ts';
export * from './speakers.ts';
