import { randomUUID } from 'node:crypto';

/**
 * Errors of the token service. They are not Key Vault errors: OAuth clients (MSAL, ADAL, azure-identity) read
 * `error` and `error_description` at the top level, so this plane renders its own bodies.
 *
 * Three shapes: Entra's for the client-credentials endpoints (`{error, error_description, error_codes, timestamp,
 * trace_id, correlation_id}`, the description ending with the trace lines), the managed-identity endpoints' terse
 * `{error, error_description}` as IMDS answers it, and App Service's `{statusCode, message, correlationId}` for an
 * identity it cannot load.
 */
export type ErrorShape = 'aad' | 'msi' | 'app-service';

export class TokenServiceError extends Error {
  readonly status: number;
  readonly error: string;
  readonly codes: number[] | undefined;
  readonly shape: ErrorShape;

  constructor(status: number, error: string, description: string, options: { codes?: number[]; shape?: ErrorShape } = {}) {
    super(description);
    this.name = 'TokenServiceError';
    this.status = status;
    this.error = error;
    this.codes = options.codes;
    this.shape = options.shape ?? 'aad';
  }
}

export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes?: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
}

export interface MsiErrorBody {
  error: string;
  error_description: string;
}

export interface AppServiceErrorBody {
  statusCode: number;
  message: string;
  correlationId: string;
}

/** Entra writes times as `2024-05-01 10:20:30Z`. */
const aadTimestamp = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export function renderTokenServiceError(
  err: TokenServiceError,
  context: { nowMs: number; correlationId?: string | undefined },
): AadErrorBody | MsiErrorBody | AppServiceErrorBody {
  if (err.shape === 'msi') return { error: err.error, error_description: err.message };
  if (err.shape === 'app-service') return { statusCode: err.status, message: err.message, correlationId: context.correlationId ?? randomUUID() };
  const timestamp = aadTimestamp(context.nowMs);
  const traceId = randomUUID();
  const correlationId = context.correlationId ?? randomUUID();
  const body: AadErrorBody = {
    error: err.error,
    error_description: `${err.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  };
  if (err.codes) body.error_codes = err.codes;
  return body;
}

const aad = (status: number, error: string, code: number, text: string) =>
  new TokenServiceError(status, error, `AADSTS${code}: ${text}`, { codes: [code] });

export const missingParameter = (name: string): TokenServiceError =>
  aad(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

export const unsupportedGrantType = (grantType: string): TokenServiceError =>
  aad(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);

export const malformedRequest = (detail: string): TokenServiceError => aad(400, 'invalid_request', 900144, detail);

/** AADSTS700016 comes back as 400 unauthorized_client, as Entra answers it. */
export const unknownClient = (clientId: string, tenant: string): TokenServiceError =>
  aad(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the ` +
      `application has not been installed by the administrator of the tenant or consented to by any user in the ` +
      `tenant. You may have sent your authentication request to the wrong tenant.`,
  );

/**
 * Client authentication failures are 401 invalid_client: that is what Entra sends for AADSTS7000215 (RFC 6749 §5.2
 * allows 401 for invalid_client), and MSAL, ADAL and azure-identity all read the body whatever the status.
 */
export const invalidSecret = (clientId: string): TokenServiceError =>
  aad(
    401,
    'invalid_client',
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the ` +
      `client secret ID, for a secret added to app '${clientId}'.`,
  );

export const missingClientCredential = (): TokenServiceError =>
  aad(
    401,
    'invalid_client',
    7000218,
    `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`,
  );

export const assertionNotSupported = (): TokenServiceError =>
  aad(
    401,
    'invalid_client',
    700027,
    'Client assertion failed signature validation. In strict mode the emulator checks client secrets only; ' +
      'declare a secret for this client.',
  );

export const msiError = (status: number, error: string, description: string): TokenServiceError =>
  new TokenServiceError(status, error, description, { shape: 'msi' });

/** Which managed-identity endpoint answers: each says "no such identity" its own way. */
export type ManagedIdentitySource = 'imds' | 'app-service' | 'cloud-shell';

/**
 * The identity asked for is not one this endpoint may issue. IMDS answers `400 {"error":"invalid_request",
 * "error_description":"Identity not found"}` for an identity not assigned to the machine; App Service answers
 * `400 {"statusCode":400,"message":"Unable to load the proper Managed Identity.","correlationId":…}`. Cloud Shell
 * speaks IMDS's shape.
 */
export const identityNotFound = (source: ManagedIdentitySource): TokenServiceError =>
  source === 'app-service'
    ? new TokenServiceError(400, 'invalid_request', 'Unable to load the proper Managed Identity.', { shape: 'app-service' })
    : msiError(400, 'invalid_request', 'Identity not found');
