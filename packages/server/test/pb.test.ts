import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Long } from '@concord/proto';
import { big, long } from '../src/server/pb';

// the values where a conversion through the 32-bit halves can go wrong: sign bits of either half
const VALUES = [
  0n,
  1n,
  -1n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  -0x80000000n,
  -0x80000001n,
  0x7fffffffffffffffn,
  -0x8000000000000000n,
  0x1234567890abcdefn,
  -0x1234567890abcdefn,
];

test('big() reads signed and unsigned Longs as their decimal strings say', () => {
  for (const v of VALUES) {
    const signed = Long.fromString(v.toString());
    assert.equal(big(signed), BigInt(signed.toString()), `signed ${v}`);
    const unsigned = Long.fromString(BigInt.asUintN(64, v).toString(), true);
    assert.equal(big(unsigned), BigInt.asUintN(64, v), `unsigned ${v}`);
  }
  assert.equal(big(42), 42n);
  assert.equal(big(null), 0n);
  assert.equal(big(undefined), 0n);
});

test('long() gives the same signed Long as Long.fromString, uint64 values wrapping alike', () => {
  for (const v of [...VALUES, 0x8000000000000000n, 0xffffffffffffffffn, 0xfedcba9876543210n]) {
    const want = Long.fromString(v.toString());
    const got = long(v);
    assert.equal(got.unsigned, false, `${v}`);
    assert.equal(got.high, want.high, `high of ${v}`);
    assert.equal(got.low, want.low, `low of ${v}`);
    assert.equal(big(got), BigInt.asIntN(64, v), `round trip of ${v}`);
  }
});
