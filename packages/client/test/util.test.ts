import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Long from 'long';
import { EmptyKeyError, InvalidArgumentError, prefixEnd, rangeOf } from '../src';
import { backoffDelay, toBig, toLeaseId, toLong } from '../src/util';

describe('utilities', () => {
  it('prefixEnd follows etcd GetPrefixRangeEnd', () => {
    assert.deepEqual(prefixEnd(Buffer.from('abc')), Buffer.from('abd'));
    assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
    assert.deepEqual(prefixEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
  });

  it('rangeOf selectors', () => {
    assert.deepEqual(rangeOf('a', {}), { key: Buffer.from('a') });
    assert.deepEqual(rangeOf('', { prefix: true }), {
      key: Buffer.from([0]),
      rangeEnd: Buffer.from([0]),
    });
    assert.deepEqual(rangeOf('a', { fromKey: true }), {
      key: Buffer.from('a'),
      rangeEnd: Buffer.from([0]),
    });
    assert.deepEqual(rangeOf('a', { end: 'c' }), {
      key: Buffer.from('a'),
      rangeEnd: Buffer.from('c'),
    });
    assert.throws(() => rangeOf('', {}), EmptyKeyError);
    assert.throws(() => rangeOf('a', { prefix: true, end: 'b' }), InvalidArgumentError);
  });

  it('lease ids keep all 64 bits', () => {
    const big = (1n << 63n) - 1n;
    assert.equal(toBig(toLong(big)), big);
    assert.equal(toLong(big.toString()).toString(), big.toString());
    // an unsigned 64-bit id with the top bit set is sent as its two's complement
    const top = (1n << 64n) - 5n;
    assert.equal(toLong(top).toString(), '-5');
    assert.equal(toBig(Long.fromString('18446744073709551611', true)), top);
    // lease ids are exposed unsigned
    assert.equal(toLeaseId(Long.fromString('-5')), top);
    assert.equal(toLeaseId(Long.fromString('7')), 7n);
    assert.throws(() => toLong(2 ** 60), InvalidArgumentError);
    assert.throws(() => toLong('12x'), InvalidArgumentError);
  });

  it('backoff is jittered, exponential and capped', () => {
    for (let a = 0; a < 20; a++) {
      const d = backoffDelay(a, 50, 2000);
      const exp = Math.min(2000, 50 * 2 ** a);
      assert.ok(d >= exp / 2 && d <= exp, `attempt ${a}: ${d}`);
    }
  });
});
