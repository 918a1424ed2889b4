#!/usr/bin/env node
'use strict';
// bench/heapsample-top.js FILE OPS [DEPTH]: bytes per op of a bench/heapsample.cjs profile, by
// allocating function and by its innermost DEPTH frames (default 4). Mark-compacts inside the
// sampled window also count the young garbage they collect: compare windows without one
// (node --trace-gc shows them).
const fs = require('node:fs');

const [file, opsArg, depthArg] = process.argv.slice(2);
if (!file || !(Number(opsArg) > 0)) {
  console.error('usage: heapsample-top.js FILE OPS [DEPTH]');
  process.exit(2);
}
const ops = Number(opsArg);
const depth = Number(depthArg || 4);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const name = (cf) =>
  `${cf.functionName || '(anonymous)'} ${cf.url.replace(/.*\/(src|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`;
const bySelf = new Map();
const byChain = new Map();
let total = 0;
const add = (m, k, v) => m.set(k, (m.get(k) || 0) + v);
(function walk(node, stack) {
  const frames = stack.concat(name(node.callFrame));
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(bySelf, frames[frames.length - 1], node.selfSize);
    add(byChain, frames.slice(-depth).reverse().join(' < '), node.selfSize);
  }
  for (const child of node.children) walk(child, frames);
})(profile.head, []);
const top = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .forEach(([k, v]) => console.log(`${(v / ops).toFixed(0).padStart(7)}  ${k}`));
console.log(`total ${(total / ops).toFixed(0)} bytes per op`);
console.log('--- by allocating function');
top(bySelf, 25);
console.log('--- by call chain');
top(byChain, 20);
