/** The token service: signing key, JWTs, principals, HTTP routes and the verifier used by the strict auth mode. */
export {
  SIGNING_KEY_SETTING,
  generateSigningKeyJwk,
  lazySigningKey,
  loadSigningKey,
  rsaThumbprint,
  signingKeyFromJwk,
  type JwksDocument,
  type PublicSigningJwk,
  type SigningKey,
} from './signing-key.js';
export {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  DEFAULT_CLOCK_SKEW_SECONDS,
  EXPIRES_IN_SECONDS,
  accessTokenClaims,
  audienceFromScope,
  decodeJwt,
  issueAccessToken,
  issuerFor,
  signJwt,
  verifyJwt,
  type AccessTokenClaims,
  type AccessTokenInput,
  type DecodedJwt,
  type JwtClaims,
  type JwtFailure,
  type JwtHeader,
  type JwtVerifyOptions,
  type JwtVerifyResult,
  type TokenFlavor,
} from './jwt.js';
export {
  DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
  createPrincipalDirectory,
  objectIdFor,
  secretsMatch,
  uuidV5,
  type AuthenticationFailure,
  type AuthenticationResult,
  type ClientCredential,
  type Identity,
  type ManagedIdentitySelector,
  type Principal,
  type PrincipalDirectory,
  type PrincipalMode,
} from './principals.js';
export {
  clientCredentialsToken,
  managedIdentityToken,
  type MsiTokenResponse,
  type TokenService,
  type V1TokenResponse,
  type V2TokenResponse,
} from './grants.js';
export { instanceDiscovery, openIdConfiguration, type InstanceDiscovery, type OpenIdConfiguration } from './discovery.js';
export { TokenServiceError, renderTokenServiceError } from './errors.js';
export { DEFAULT_IDENTITY_HEADER, identityRoutes, imdsRoutes, type IdentityRoutesOptions } from './routes.js';
export {
  verifyAccessToken,
  type AccessTokenFailure,
  type AccessTokenVerification,
  type VerifyAccessTokenOptions,
} from './verify.js';
