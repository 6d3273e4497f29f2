/**
 * Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), and the same grouped by package or
 * source file, so a profile of a bench run can be read in a terminal:
 *
 *   node dist/bench/cpuprofile-top.js /tmp/prof/CPU.*.cpuprofile [--top 25]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** node_modules/<pkg> (or @scope/pkg), dist/<file> or a built-in; what a hot spot belongs to. */
function owner(url: string): string {
  if (!url) return '(native / VM)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  const d = /\/(dist|src)\/(.*)$/.exec(url);
  return d ? `${d[1]}/${d[2]}` : path.basename(url);
}

function summarize(file: string, top: number): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const fns = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'}  ${owner(url)}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    owners.set(owner(url), (owners.get(owner(url)) ?? 0) + us);
  }
  // Inclusive time of the project's own functions (dist/ or src/): each sample counts once per function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${owner(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const inclusive = new Map<string, number>();
  const ownersInclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seenOwners = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const o = owner(byId.get(at)!.callFrame.url);
      if (o.startsWith('(') || seenOwners.has(o)) continue;
      seenOwners.add(o);
      ownersInclusive.set(o, (ownersInclusive.get(o) ?? 0) + us);
    }
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      if (!/\/(dist|src)\//.test(n.callFrame.url) || /node_modules/.test(n.callFrame.url)) continue;
      const key = label(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }

  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled`,
    `top ${top} functions by self time:`,
    list(fns),
    `by package / file:`,
    list(owners),
    `packages / files by inclusive time (their code and what it calls):`,
    list(ownersInclusive),
    `project functions by inclusive time:`,
    list(inclusive),
  ].join('\n');
}

let top = 25;
const files: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else files.push(args[i]!);
}
for (const f of files) process.stdout.write(`${summarize(f, top)}\n\n`);
