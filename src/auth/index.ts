// Authentication and authorization above the replicated auth state (src/state/auth-store.ts):
// password hashing, tokens, who a caller is, and the audit log.
export { Authenticator, AuthError, DEFAULT_TOKEN_TTL_MS, MAX_CONCURRENT_PASSWORD_CHECKS, newTokenKey } from './authenticator.js';
export type { AuthErrorKind, AuthFailureReason, AuthenticatorOptions, CallerCredentials, Identity } from './authenticator.js';
export { hashPassword, verifyPassword, badPassword, MAX_PASSWORD_BYTES, SCRYPT_PARAMS } from './password.js';
export { signToken, readToken, MAX_TOKEN_CHARS, type TokenClaims } from './token.js';
export { AuditLog, DEFAULT_AUDIT_KEEP, DEFAULT_AUDIT_MAX_BYTES, MAX_RANGES, type AuditLogOptions, type AuditRecord } from './audit.js';
