import { toUnixSeconds, type Clock } from './clock.js';
import { parseDuration } from './durations.js';
import { badParameter } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import type { VaultContext } from './vaults.js';

/**
 * Key rotation policies: stored on the key's name (they outlive versions) and evaluated against the one clock, so
 * advancing time rotates keys whose policy says so.
 */
export interface LifetimeAction {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: { type: 'Rotate' | 'Notify' };
}

export interface RotationPolicy {
  lifetimeActions: LifetimeAction[];
  attributes: { expiryTime?: string; created: number; updated: number };
}

/** What a key that never had a policy reports (recorded from the service). */
export const DEFAULT_ROTATION_POLICY = {
  lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }],
  attributes: null,
};

export const MIN_EXPIRY_SECONDS = 28 * 86400;

interface PolicyInput {
  lifetimeActions?: unknown;
  attributes?: { expiryTime?: unknown } | null;
}

export function normalizeActions(raw: unknown): LifetimeAction[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badParameter('lifetimeActions must be an array.');
  const seen = new Set<string>();
  return raw.map((entry: unknown) => {
    const e = entry as { trigger?: Record<string, unknown>; action?: { type?: unknown } };
    const type = typeof e?.action?.type === 'string' ? e.action.type.toLowerCase() : '';
    if (type !== 'rotate' && type !== 'notify') throw badParameter("A lifetime action's type must be Rotate or Notify.");
    if (seen.has(type)) throw badParameter(`A rotation policy can have only one ${type === 'rotate' ? 'Rotate' : 'Notify'} action.`);
    seen.add(type);
    const after = e.trigger?.['timeAfterCreate'];
    const before = e.trigger?.['timeBeforeExpiry'];
    if ((after === undefined) === (before === undefined)) {
      throw badParameter('A lifetime action trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.');
    }
    const trigger: LifetimeAction['trigger'] = {};
    if (typeof after === 'string') {
      if (type === 'notify') throw badParameter('A Notify action can only be triggered by timeBeforeExpiry.');
      parseDuration(after, 'timeAfterCreate');
      trigger.timeAfterCreate = after;
    } else if (typeof before === 'string') {
      parseDuration(before, 'timeBeforeExpiry');
      trigger.timeBeforeExpiry = before;
    } else {
      throw badParameter('Trigger durations must be ISO 8601 strings such as P90D.');
    }
    return { trigger, action: { type: type === 'rotate' ? 'Rotate' : 'Notify' } };
  });
}

export interface RotationPolicies {
  /** The stored policy, or undefined when the key never had one. */
  get(vault: VaultContext, name: string): RotationPolicy | undefined;
  set(vault: VaultContext, name: string, input: PolicyInput): RotationPolicy;
  /** Seconds from rotation to expiry that the policy gives new versions. */
  expiryFor(vault: VaultContext, name: string): number | undefined;
  /** Names of keys whose Rotate action is due at `now` (Unix seconds). */
  dueForRotation(vault: VaultContext, now: number): string[];
}

export function createRotationPolicies<B>(lifecycle: Lifecycle<B>, clock: Clock): RotationPolicies {
  const policies: RotationPolicies = {
    get(vault, name) {
      const key = lifecycle.get(vault, name);
      return lifecycle.getMeta<{ rotationPolicy?: RotationPolicy }>(vault, key.name)?.rotationPolicy;
    },
    set(vault, name, input) {
      const key = lifecycle.get(vault, name);
      const lifetimeActions = normalizeActions(input?.lifetimeActions);
      const expiryTime = input?.attributes?.expiryTime;
      if (expiryTime !== undefined && expiryTime !== null) {
        if (typeof expiryTime !== 'string') throw badParameter('expiryTime must be an ISO 8601 duration string.');
        if (parseDuration(expiryTime, 'expiryTime') < MIN_EXPIRY_SECONDS) throw badParameter('expiryTime must be at least 28 days (P28D).');
      }
      const t = toUnixSeconds(clock.now());
      const meta = lifecycle.getMeta<{ rotationPolicy?: RotationPolicy }>(vault, key.name) ?? {};
      const policy: RotationPolicy = {
        lifetimeActions,
        attributes: { ...(typeof expiryTime === 'string' && { expiryTime }), created: meta.rotationPolicy?.attributes.created ?? t, updated: t },
      };
      lifecycle.setMeta(vault, key.name, { ...meta, rotationPolicy: policy });
      return policy;
    },
    expiryFor(vault, name) {
      const expiry = lifecycle.getMeta<{ rotationPolicy?: RotationPolicy }>(vault, name)?.rotationPolicy?.attributes.expiryTime;
      return expiry ? parseDuration(expiry, 'expiryTime') : undefined;
    },
    dueForRotation(vault, now) {
      const due: string[] = [];
      for (const key of lifecycle.allLive(vault)) {
        const policy = lifecycle.getMeta<{ rotationPolicy?: RotationPolicy }>(vault, key.name)?.rotationPolicy;
        const rotate = policy?.lifetimeActions.find((a) => a.action.type === 'Rotate');
        if (!rotate) continue;
        const { timeAfterCreate, timeBeforeExpiry } = rotate.trigger;
        if (timeAfterCreate && now >= key.attributes.created + parseDuration(timeAfterCreate, 'timeAfterCreate')) due.push(key.name);
        else if (timeBeforeExpiry && key.attributes.exp !== undefined && now >= key.attributes.exp - parseDuration(timeBeforeExpiry, 'timeBeforeExpiry')) {
          due.push(key.name);
        }
      }
      return due;
    },
  };
  return policies;
}
