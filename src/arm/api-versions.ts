/** The api-versions the management plane accepts, and the defaults that depend on them. */

/**
 * Every published Microsoft.KeyVault version (rest-ops-arm.json), plus 2026-05-15, the only one that
 * azure-mgmt-keyvault 14.x (PyPI) sends; other dated previews are accepted too.
 */
export const KEYVAULT_VERSIONS: readonly string[] = [
  '2015-06-01', '2016-10-01', '2018-02-14', '2019-09-01', '2021-10-01', '2022-07-01', '2022-11-01', '2023-02-01',
  '2023-07-01', '2024-11-01', '2025-05-01', '2026-02-01', '2026-05-15',
  '2018-02-14-preview', '2020-04-01-preview', '2021-04-01-preview', '2021-06-01-preview', '2021-11-01-preview',
  '2022-02-01-preview', '2024-04-01-preview', '2024-12-01-preview', '2026-03-01-preview',
];

const known = new Set(KEYVAULT_VERSIONS);
const DATED = /^\d{4}-\d{2}-\d{2}(-(preview|beta|alpha))?$/;

export type VersionRule = 'keyvault' | 'generic';

/** Microsoft.KeyVault routes take its versions; Resources/Subscriptions/metadata routes any well-formed date. */
export function acceptsVersion(rule: VersionRule, version: string): boolean {
  if (rule === 'generic') return DATED.test(version);
  return known.has(version) || /^\d{4}-\d{2}-\d{2}-preview$/.test(version);
}

export const dateOf = (version: string): string => version.slice(0, 10);

/** 2026-02-01 made RBAC the default for new vaults; older versions (and the service's description) say false. */
export const rbacDefaultFor = (version: string): boolean => dateOf(version) >= '2026-02-01';
