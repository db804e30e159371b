/**
 * Error type shared by the token builder and parser.
 *
 * @packageDocumentation
 */

/**
 * Machine-readable category of a {@link TokenError}.
 *
 * - `'malformed'`: a token string could not be decoded (bad prefix, bad base64,
 *   truncated or oversized fields, trailing bytes, wrong signature length, invalid UTF-8).
 * - `'field-too-long'`: a value does not fit its u16 length prefix (more than 65535 bytes).
 * - `'invalid-argument'`: a builder argument is out of range (for example a nonce or
 *   timestamp that is not a uint32).
 */
export type TokenErrorCode = 'malformed' | 'field-too-long' | 'invalid-argument';

/** Options accepted by the {@link TokenError} constructor. */
export interface TokenErrorOptions {
  /** Byte offset in the decoded token content (or character index in the token string) where the problem was found. */
  readonly offset?: number;
  /** Underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * Error raised by {@link AccessToken} and returned (never thrown) by `parseToken`.
 */
export class TokenError extends Error {
  /** What kind of problem this is. */
  readonly code: TokenErrorCode;
  /**
   * Where the problem was found, if it is tied to a position: a byte offset into the
   * base64-decoded token content for binary problems, or a character index into the token
   * string for prefix/base64 problems (the message says which). `undefined` otherwise.
   */
  readonly offset: number | undefined;

  /**
   * @param code - error category
   * @param message - human-readable explanation naming the field and position
   * @param options - optional offset and cause
   */
  constructor(code: TokenErrorCode, message: string, options: TokenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenError';
    this.code = code;
    this.offset = options.offset;
  }
}
