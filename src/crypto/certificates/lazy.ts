/**
 * The certificate crypto as the domain uses it, loaded on first use. The X.509 code pulls in @peculiar/x509 with
 * reflect-metadata (~300 ms of module loading here) and PKCS#12 pulls in pkijs (~200 ms); Kyanite needs neither to
 * start or to serve secrets and keys, only once a certificate is made, imported, merged or exported. Constants and
 * calendar arithmetic the domain needs synchronously come from small modules without those imports.
 */
export { CertificateCryptoError, type CertificateCryptoReason } from './errors.js';
export { addMonths } from './months.js';
export { KEY_USAGES, type KeyUsageName } from './usages.js';
export type { CertificateWithKey } from './bundle.js';

type Api = typeof import('./index.js');
type FunctionName = { [K in keyof Api]: Api[K] extends (...args: never[]) => unknown ? K : never }[keyof Api];

let loading: Promise<Api> | undefined;
const load = (): Promise<Api> => (loading ??= import('./index.js'));

/** `name` of the full API as an async function that loads the API the first time it is called. */
function later<K extends FunctionName>(name: K) {
  type F = Extract<Api[K], (...args: never[]) => unknown>;
  return async (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> =>
    (await ((await load())[name] as unknown as (...a: Parameters<F>) => Promise<Awaited<ReturnType<F>>>)(...args));
}

export const createCsr = later('createCsr');
export const createPfx = later('createPfx');
export const createSelfSigned = later('createSelfSigned');
export const parseCertificate = later('parseCertificate');
export const parseCertificateChain = later('parseCertificateChain');
export const parsePemBundle = later('parsePemBundle');
export const parsePfx = later('parsePfx');
export const publicKeyMatches = later('publicKeyMatches');
export const toPemBundle = later('toPemBundle');
