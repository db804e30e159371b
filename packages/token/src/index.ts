/**
 * `@rtcroom/token`: build, parse and verify Volcengine RTC "001" AccessTokens
 * (byte-compatible with Volcengine's generators; no runtime dependencies).
 *
 * @packageDocumentation
 */
export { TokenError, type TokenErrorCode, type TokenErrorOptions } from './errors.ts';
export {
  APP_ID_LENGTH,
  Privileges,
  SIGNATURE_LENGTH,
  TOKEN_VERSION,
  type PrivilegeId,
} from './format.ts';
export { AccessToken } from './access-token.ts';
export { parseToken, type ParsedToken, type ParseResult } from './parse.ts';
export {
  effectiveExpiry,
  privilegeExpiry,
  verifyToken,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
} from './verify.ts';
