import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Child } from '../../reliability/child.js';
import type { AzSession } from './az.js';

/** What every scenario of the CLI suite gets: a logged-in az, the Kyanite it talks to, a folder for files. */
export interface CliContext {
  az: AzSession;
  kyanite: Child;
  /** The pre-made vault the data-plane scenarios use (`--vault NAME` at start). */
  vault: string;
  /** Scratch folder for files az reads and writes (backups, downloads, PEMs). */
  dir: string;
}

export const vaultUrl = (ctx: CliContext, vault = ctx.vault): string => `https://${vault}.vault.localhost:${ctx.kyanite.port}`;

export const file = (ctx: CliContext, name: string): string => path.join(ctx.dir, name);

/** openssl, for certificates made outside Kyanite (a CA that signs a CSR, a key and certificate to import). */
export function openssl(ctx: CliContext, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: ctx.dir, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}
