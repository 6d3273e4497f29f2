import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/**
 * docs/operations.md lists every Key Vault operation of the REST specs with whether Kyanite serves it. This keeps the
 * "Served" column equal to the routes the app registers: each spec path becomes a route pattern (`{name}` → `:p`)
 * and app.hasRoute answers for it; find-my-way compares patterns with parameter names left out, so a spec path
 * matches the route that serves it and no other (GET /certificates/issuers/{x} is not GET /certificates/{n}/{v}).
 *
 * After adding routes, regenerate the tables with KYANITE_WRITE_OPERATIONS=1 npx vitest run test/http/operations-table.test.ts
 */

interface SpecOperation {
  area?: string;
  method: string;
  path: string;
  operationId: string;
  vaultDenominator?: boolean;
}

interface Row {
  method: string;
  path: string;
  operationId: string;
  served: boolean;
}

const root = path.resolve(import.meta.dirname, '../..');
const docFile = path.join(root, 'docs/operations.md');
// A copy of ../shared/reference/rest-ops-*.json kept in the repository, so a clone checks the table on its own.
const referenceDir = process.env['KYANITE_REFERENCE_DIR'] ?? path.join(root, 'test/fixtures/reference');
const spec = (file: string) => (JSON.parse(fs.readFileSync(path.join(referenceDir, file), 'utf8')) as { operations: SpecOperation[] }).operations;

const SECTIONS = { dataPlane: 'data-plane', arm: 'arm' } as const;

/** The vault data plane: what counts toward Key Vault coverage, plus /rng (listed as Managed HSM, served by vaults too). */
const dataPlaneOps = (ops: SpecOperation[]) => ops.filter((o) => o.vaultDenominator || o.path === '/rng');

const pattern = (specPath: string) => specPath.replace(/\{[^}]+\}/g, ':p');

function rowsFor(app: TestApp['app'], ops: SpecOperation[]): Row[] {
  return ops.map((o) => ({ method: o.method, path: o.path, operationId: o.operationId, served: app.hasRoute({ method: o.method as 'GET', url: pattern(o.path) }) }));
}

const render = (rows: Row[]) =>
  [
    '| Method | Path | operationId | Served |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.method} | \`${r.path}\` | ${r.operationId} | ${r.served ? 'yes' : 'no'} |`),
  ].join('\n');

const marks = (section: string) => [`<!-- operations:${section} -->`, `<!-- /operations:${section} -->`] as const;

/** The rows of one generated table of the doc. */
function parseSection(doc: string, section: string): Row[] {
  const [open, close] = marks(section);
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) throw new Error(`docs/operations.md has no ${open} … ${close} section`);
  return doc
    .slice(start + open.length, end)
    .split('\n')
    .map((line) => /^\| (\S+) \| `([^`]+)` \| (\S+) \| (yes|no) \|$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, method, p, operationId, served]) => ({ method: method!, path: p!, operationId: operationId!, served: served === 'yes' }));
}

function writeSection(doc: string, section: string, rows: Row[]): string {
  const [open, close] = marks(section);
  return `${doc.slice(0, doc.indexOf(open) + open.length)}\n${render(rows)}\n${doc.slice(doc.indexOf(close))}`;
}

describe('docs/operations.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.ready();
  });
  afterAll(async () => t?.close());

  const tables = () => ({
    [SECTIONS.dataPlane]: rowsFor(t.app, dataPlaneOps(spec('rest-ops-dataplane.json'))),
    [SECTIONS.arm]: rowsFor(t.app, spec('rest-ops-arm.json')),
  });

  it('regenerates its tables: what it writes reads back as the routes give, the rest of the doc untouched', () => {
    const before = fs.readFileSync(docFile, 'utf8');
    const wanted = tables();
    let doc = before;
    for (const [section, rows] of Object.entries(wanted)) doc = writeSection(doc, section, rows);
    for (const [section, rows] of Object.entries(wanted)) expect(parseSection(doc, section)).toEqual(rows);
    const outside = (text: string) => Object.values(SECTIONS).reduce((t, section) => writeSection(t, section, []), text);
    expect(outside(doc)).toBe(outside(before));
    // Only on request does the regenerated doc replace the file; the tests below then check it like any other.
    if (process.env['KYANITE_WRITE_OPERATIONS']) fs.writeFileSync(docFile, doc);
  });

  it.each(Object.values(SECTIONS))('lists every %s operation with the Served column the routes give', (section) => {
    const doc = fs.readFileSync(docFile, 'utf8');
    expect(parseSection(doc, section)).toEqual(tables()[section]);
  });

  it('tells the truth in both directions: a route check sees served and unserved operations', () => {
    const rows = tables()[SECTIONS.dataPlane];
    expect(rows.find((r) => r.operationId === 'GetSecret')?.served).toBe(true);
    expect(rows.find((r) => r.operationId === 'GetCertificateIssuer')?.served).toBe(true);
    expect(rows.find((r) => r.operationId === 'GetStorageAccounts')?.served).toBe(false);
  });

  it('counts in its summary line what the table shows', () => {
    const doc = fs.readFileSync(docFile, 'utf8');
    const rows = tables()[SECTIONS.dataPlane];
    const vaultRows = rows.filter((r) => r.path !== '/rng');
    expect(doc).toContain(`Kyanite serves ${vaultRows.filter((r) => r.served).length} of the ${vaultRows.length} vault operations`);
  });
});
