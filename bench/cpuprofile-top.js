#!/usr/bin/env node
// bench/cpuprofile-top.js — aggregate V8 .cpuprofile files (node --cpu-prof)
// by self time.
//
// Usage: node bench/cpuprofile-top.js [--top N] [--by fn|url|pkg] [--total] [--window A:B] FILE.cpuprofile...
//   --by fn   (default) function + file:line
//   --by url  file
//   --by pkg  package / area (node internals, node_modules/<pkg>, packages/<ws>/...)
//   --total   also show inclusive ("total") time per function (fn mode)
//   --window A:B  only samples between A and B ms after the profile started
//             (bench/profile.sh passes the measured phase this way)
// Percentages are of all samples, including (idle), (program) and (garbage collector);
// "% of busy" excludes (idle).
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
let top = 15;
let by = 'fn';
let showTotal = false;
let win;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--by') by = args[++i];
  else if (args[i] === '--total') showTotal = true;
  else if (args[i] === '--window') win = args[++i].split(':').map(Number);
  else files.push(args[i]);
}
if (!files.length) {
  console.error('usage: cpuprofile-top.js [--top N] [--by fn|url|pkg] [--total] FILE...');
  process.exit(2);
}

function shortUrl(url) {
  if (!url) return '';
  url = url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm);
  const pk = url.indexOf('/packages/');
  if (pk >= 0) return url.slice(pk + 1);
  return url;
}

function pkgOf(url) {
  const u = shortUrl(url);
  if (!u) return '(native/vm)';
  if (u.startsWith('node:')) return 'node:' + u.slice(5).split('/')[0];
  const m = /^node_modules\/((@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1];
  const p = /^packages\/([^/]+)\/(dist\/)?(src\/)?([^/]+)/.exec(u);
  if (p) return `packages/${p[1]}/${p[4]}`;
  return u;
}

const self = new Map(); // key -> microseconds
const total = new Map();
let all = 0;
let idle = 0;
for (const file of files) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const dt = new Map(); // node id -> self µs
  const { samples, timeDeltas } = prof;
  let t = 0; // µs since profile start
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    if (win && (t < win[0] * 1000 || t > win[1] * 1000)) continue;
    // timeDeltas[i] is the time before sample i; attribute the next delta to it
    const d = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    dt.set(samples[i], (dt.get(samples[i]) || 0) + Math.max(d, 0));
  }
  const keyOf = (n) => {
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    if (by === 'url') return shortUrl(cf.url) || name;
    if (by === 'pkg') return name.startsWith('(') && !cf.url ? name : pkgOf(cf.url);
    const loc = cf.url ? ` ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    return `${name}${loc}`;
  };
  for (const [id, us] of dt) {
    const n = nodes.get(id);
    const k = keyOf(n);
    self.set(k, (self.get(k) || 0) + us);
    all += us;
    if (n.callFrame.functionName === '(idle)') idle += us;
    if (showTotal) {
      const seen = new Set();
      for (let p = id; p !== undefined; p = parent.get(p)) {
        const kk = keyOf(nodes.get(p));
        if (seen.has(kk)) continue; // recursion: count once per sample stack
        seen.add(kk);
        total.set(kk, (total.get(kk) || 0) + us);
      }
    }
  }
}

const busy = all - idle;
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`profiles: ${files.map((f) => path.basename(f)).join(', ')}`);
console.log(`sampled ${(all / 1e6).toFixed(2)} s, busy (non-idle) ${(busy / 1e6).toFixed(2)} s`);
console.log('| # | self % of all | self % of busy | self ms | ' + (by === 'fn' ? 'function  file:line' : by) + ' |');
console.log('|---|---|---|---|---|');
rows.forEach(([k, us], i) => {
  const isIdle = k.startsWith('(idle)');
  console.log(
    `| ${i + 1} | ${((100 * us) / all).toFixed(1)} | ${isIdle ? '–' : ((100 * us) / busy).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${k}\` |`,
  );
});
if (showTotal) {
  console.log('\nInclusive (total) time, % of busy:');
  console.log('| # | total % of busy | total ms | function |');
  console.log('|---|---|---|---|');
  [...total.entries()]
    .filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top * 2)
    .forEach(([k, us], i) => console.log(`| ${i + 1} | ${((100 * us) / busy).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${k}\` |`));
}
