#!/usr/bin/env node
// Copies recordings out of a local git clone (any commit of its history) into a RAW_DIR for convert.mjs, adding
// their source (repository, path, and the last commit that changed the file) to RAW_DIR/sources.json.
//
//   node scripts/recordings/from-git.mjs GIT_DIR COMMIT PATH_REGEX LANGUAGE OWNER/REPO RAW_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [gitDir, commit, pattern, language, repo, rawDir] = process.argv.slice(2);
if (!rawDir) {
  console.error('usage: from-git.mjs GIT_DIR COMMIT PATH_REGEX LANGUAGE OWNER/REPO RAW_DIR');
  process.exit(2);
}
const git = (...args) => execFileSync('git', ['-C', gitDir, ...args], { maxBuffer: 1 << 28 }).toString();
const re = new RegExp(pattern);
const files = git('ls-tree', '-r', '--name-only', commit).split('\n').filter((f) => re.test(f) && f.endsWith('.json'));
fs.mkdirSync(rawDir, { recursive: true });
const listFile = path.join(rawDir, 'sources.json');
const sources = fs.existsSync(listFile) ? JSON.parse(fs.readFileSync(listFile, 'utf8')) : [];
for (const f of files) {
  const file = `${language.replace(/\W/g, '')}-${f.replace(/[^A-Za-z0-9_.-]+/g, '_')}`;
  fs.writeFileSync(path.join(rawDir, file), git('show', `${commit}:${f}`));
  const last = git('log', '-1', '--format=%H', commit, '--', f).trim() || commit;
  if (!sources.some((s) => s.file === file)) sources.push({ file, language, repo, path: f, commit: last });
}
fs.writeFileSync(listFile, JSON.stringify(sources, null, 1) + '\n');
console.log(`${files.length} files from ${repo}@${commit.slice(0, 9)} into ${rawDir}`);
