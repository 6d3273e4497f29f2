import { forbiddenByAttributes, operationNotPermitted, type ObjectKind } from './errors.js';
import type { Attributes } from './lifecycle.js';

/**
 * The attribute gate every key and secret operation passes, written once. In the service's order: enabled (a
 * disabled object refuses the operation; reads of a key's bundle are not operations and pass, a secret's value is),
 * then whether the object permits the operation at all (a key's key_ops), then the validity window (nbf, exp) for
 * operations bound by it: those that produce something new (sign, encrypt, wrapKey, release). Reverse operations
 * keep working on old data outside the window, and secrets stay readable (docs/behaviour.md).
 */
export interface Gate {
  kind: ObjectKind;
  /** As the service names it in messages: `sign`, `get`, `release`. */
  operation: string;
  /** False when the object does not permit the operation (a key without it in key_ops). */
  permitted?: boolean;
  /** For operations bound by nbf/exp: the time they are judged at, in Unix seconds. */
  at?: number;
}

export function assertAttributesAllow(attributes: Pick<Attributes, 'enabled' | 'nbf' | 'exp'>, gate: Gate): void {
  const { kind, operation, at } = gate;
  if (!attributes.enabled) throw forbiddenByAttributes(operation, kind, 'disabled');
  if (gate.permitted === false) throw operationNotPermitted(operation, kind);
  if (at === undefined) return;
  if (attributes.nbf !== undefined && at < attributes.nbf) throw forbiddenByAttributes(operation, kind, 'notYetValid');
  if (attributes.exp !== undefined && at >= attributes.exp) throw forbiddenByAttributes(operation, kind, 'expired');
}
