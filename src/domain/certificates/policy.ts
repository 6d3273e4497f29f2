import { KEY_USAGES } from '../../crypto/certificates/lazy.js';
import { badParameter } from '../errors.js';
import { checkRsaKeySize } from '../key-rules.js';

/**
 * Certificate policies in Key Vault's wire shape (snake_case), with the defaults the service fills in (recorded:
 * RSA-2048 exportable, PKCS#12 secret, serverAuth+clientAuth, digitalSignature+keyEncipherment, 12 months,
 * AutoRenew at 80% of the lifetime).
 */
export interface SubjectAlternativeNames {
  emails?: string[];
  dns_names?: string[];
  upns?: string[];
  uris?: string[];
  ipAddresses?: string[];
}

export interface LifetimeAction {
  trigger: { lifetime_percentage?: number; days_before_expiry?: number };
  action: { action_type: 'AutoRenew' | 'EmailContacts' };
}

export interface CertificatePolicy {
  key_props: { exportable: boolean; kty: string; key_size?: number; crv?: string; reuse_key: boolean };
  secret_props: { contentType: string };
  x509_props: {
    subject: string;
    sans: SubjectAlternativeNames;
    ekus: string[];
    key_usage: string[];
    validity_months: number;
    basic_constraints: { ca: boolean };
  };
  lifetime_actions: LifetimeAction[];
  issuer: { name: string; cty?: string; cert_transparency?: boolean };
  attributes: { enabled: boolean; created: number; updated: number };
}

/** What a client may send: any part of a policy. */
export type PolicyInput = {
  key_props?: Partial<CertificatePolicy['key_props']> | null;
  secret_props?: Partial<CertificatePolicy['secret_props']> | null;
  x509_props?: (Partial<Omit<CertificatePolicy['x509_props'], 'sans' | 'basic_constraints'>> & {
    sans?: SubjectAlternativeNames | null;
    basic_constraints?: { ca?: boolean } | null;
  }) | null;
  lifetime_actions?: unknown[] | null;
  issuer?: Partial<CertificatePolicy['issuer']> | null;
  attributes?: { enabled?: boolean } | null;
};

export const PKCS12 = 'application/x-pkcs12';
export const PEM = 'application/x-pem-file';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

function checkLifetimeActions(raw: unknown[]): LifetimeAction[] {
  return raw.map((entry) => {
    const e = entry as { trigger?: Record<string, unknown>; action?: { action_type?: unknown } };
    const type = String(e?.action?.action_type ?? '');
    const action_type = type.toLowerCase() === 'autorenew' ? 'AutoRenew' : type.toLowerCase() === 'emailcontacts' ? 'EmailContacts' : undefined;
    if (!action_type) throw badParameter("A lifetime action's action_type must be AutoRenew or EmailContacts.");
    const pct = e.trigger?.['lifetime_percentage'];
    const days = e.trigger?.['days_before_expiry'];
    if ((pct === undefined || pct === null) === (days === undefined || days === null)) {
      throw badParameter('A lifetime action trigger needs exactly one of lifetime_percentage and days_before_expiry.');
    }
    if (pct !== undefined && pct !== null) {
      if (!Number.isInteger(pct) || (pct as number) < 1 || (pct as number) > 99) throw badParameter('lifetime_percentage must be an integer from 1 to 99.');
      return { trigger: { lifetime_percentage: pct as number }, action: { action_type } };
    }
    if (!Number.isInteger(days) || (days as number) < 1) throw badParameter('days_before_expiry must be a positive integer.');
    return { trigger: { days_before_expiry: days as number }, action: { action_type } };
  });
}

const cleanList = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badParameter(`${field} must be an array of strings.`);
  return v as string[];
};

/**
 * The policy that results from `input` applied over `base` (the stored policy, or none for a first create).
 * Everything is validated here, once, for create, import and update.
 */
export function resolvePolicy(input: PolicyInput | null | undefined, base: CertificatePolicy | undefined, now: number): CertificatePolicy {
  const i = input ?? {};
  const kty = i.key_props?.kty ?? base?.key_props.kty ?? 'RSA';
  if (!['RSA', 'RSA-HSM', 'EC', 'EC-HSM'].includes(kty)) throw badParameter(`Invalid key type '${kty}' for a certificate: use RSA, RSA-HSM, EC or EC-HSM.`);
  const isEc = kty.startsWith('EC');
  const sameFamily = base && base.key_props.kty.startsWith('EC') === isEc;
  const key_props: CertificatePolicy['key_props'] = {
    exportable: i.key_props?.exportable ?? base?.key_props.exportable ?? true,
    kty,
    reuse_key: i.key_props?.reuse_key ?? base?.key_props.reuse_key ?? false,
  };
  if (isEc) {
    const crv = i.key_props?.crv ?? (sameFamily ? base?.key_props.crv : undefined) ?? 'P-256';
    if (!['P-256', 'P-384', 'P-521', 'P-256K'].includes(crv)) throw badParameter(`Invalid curve '${crv}': use P-256, P-384, P-521 or P-256K.`);
    key_props.crv = crv;
  } else {
    const size = i.key_props?.key_size ?? (sameFamily ? base?.key_props.key_size : undefined) ?? 2048;
    checkRsaKeySize(size);
    key_props.key_size = size;
  }

  const contentType = i.secret_props?.contentType ?? base?.secret_props.contentType ?? PKCS12;
  if (contentType !== PKCS12 && contentType !== PEM) throw badParameter(`Invalid content type '${contentType}': use ${PKCS12} or ${PEM}.`);

  const x = i.x509_props ?? {};
  const subject = x.subject ?? base?.x509_props.subject ?? '';
  const sansInput = x.sans ?? base?.x509_props.sans ?? {};
  const sans: SubjectAlternativeNames = {};
  for (const field of ['emails', 'dns_names', 'upns', 'uris', 'ipAddresses'] as const) {
    const list = cleanList(sansInput[field], `sans.${field}`);
    if (list) sans[field] = list;
  }
  if (!subject && Object.keys(sans).length === 0) throw badParameter('A certificate policy needs a subject or subject alternative names.');
  const ekus = cleanList(x.ekus, 'ekus') ?? base?.x509_props.ekus ?? [SERVER_AUTH, CLIENT_AUTH];
  for (const eku of ekus) if (!OID.test(eku)) throw badParameter(`Invalid enhanced key usage '${eku}': an EKU is an object identifier.`);
  const key_usage = cleanList(x.key_usage, 'key_usage') ?? base?.x509_props.key_usage ?? (isEc ? ['digitalSignature'] : ['digitalSignature', 'keyEncipherment']);
  for (const u of key_usage) if (!(KEY_USAGES as readonly string[]).includes(u)) throw badParameter(`Invalid key usage '${u}': use ${KEY_USAGES.join(', ')}.`);
  const validity_months = x.validity_months ?? base?.x509_props.validity_months ?? 12;
  if (!Number.isInteger(validity_months) || validity_months < 1 || validity_months > 1200) throw badParameter('validity_months must be an integer from 1 to 1200.');
  const ca = x.basic_constraints?.ca ?? base?.x509_props.basic_constraints.ca ?? false;

  const lifetime_actions = i.lifetime_actions ? checkLifetimeActions(i.lifetime_actions) : (base?.lifetime_actions ?? [
    { trigger: { lifetime_percentage: 80 }, action: { action_type: 'AutoRenew' } },
  ]);
  const issuerName = i.issuer?.name ?? base?.issuer.name ?? 'Self';
  if (typeof issuerName !== 'string' || issuerName === '') throw badParameter('issuer.name must be a non-empty string.');
  const issuer: CertificatePolicy['issuer'] = { name: issuerName };
  const cty = i.issuer?.cty ?? base?.issuer.cty;
  if (cty) issuer.cty = cty;
  const transparency = i.issuer?.cert_transparency ?? base?.issuer.cert_transparency;
  if (transparency !== undefined) issuer.cert_transparency = transparency;

  return {
    key_props,
    secret_props: { contentType },
    x509_props: { subject, sans, ekus, key_usage, validity_months, basic_constraints: { ca } },
    lifetime_actions,
    issuer,
    attributes: { enabled: i.attributes?.enabled ?? base?.attributes.enabled ?? true, created: base?.attributes.created ?? now, updated: now },
  };
}
