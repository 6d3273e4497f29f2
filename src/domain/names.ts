import { badParameter, type ObjectKind } from './errors.js';

/** Object names: 1-127 of 0-9, a-z, A-Z and '-'; the service compares them case-insensitively. */
const NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Versions are 32 hex characters. */
const VERSION = /^[0-9a-fA-F]{32}$/;
/** Vault names as ARM allows them: 3-24 characters, starting with a letter, no "--", no trailing '-'. */
const VAULT = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

export function assertName(kind: ObjectKind, name: string): void {
  if (!NAME.test(name)) {
    throw badParameter(
      `The ${kind} name '${name}' is invalid: a ${kind} name is 1 to 127 characters of 0-9, a-z, A-Z and '-'.`,
    );
  }
}

export function assertVersion(kind: ObjectKind, version: string): void {
  if (!VERSION.test(version)) {
    throw badParameter(`The ${kind} version '${version}' is invalid: a version is 32 hexadecimal characters.`);
  }
}

export const isValidVaultName = (name: string): boolean => VAULT.test(name) || name === 'default';
