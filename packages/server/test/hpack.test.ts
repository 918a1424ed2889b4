import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError, encodeHeaders } from '../src/api/grpc/hpack';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 7541 Appendix C.3 (requests without Huffman) and C.4 (the same with Huffman): three
// requests on one connection, the later ones indexing into the dynamic table.
const first: Array<[string, string]> = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const second: Array<[string, string]> = [...first, ['cache-control', 'no-cache']];
const third: Array<[string, string]> = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];

test('RFC 7541 C.3: requests without Huffman coding', () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d')), first);
  assert.deepEqual(d.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865')), second);
  assert.deepEqual(
    d.decode(hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65')),
    third,
  );
});

test('RFC 7541 C.4: requests with Huffman coding', () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff')), first);
  assert.deepEqual(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf')), second);
  assert.deepEqual(
    d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')),
    third,
  );
});

test('the dynamic table evicts its oldest entries and honours size updates', () => {
  const d = new HpackDecoder(64); // room for one small entry (name + value + 32)
  const lit = (name: string, value: string): Buffer =>
    Buffer.concat([
      Buffer.from([0x40, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    ]);
  d.decode(lit('a', '1')); // index 62 = a:1
  assert.deepEqual(d.decode(Buffer.from([0x80 | 62])), [['a', '1']]);
  d.decode(lit('bbbbbbbbbbbbbbbbbbbbbbbb', '2')); // 57 bytes: a:1 must go
  assert.deepEqual(d.decode(Buffer.from([0x80 | 62])), [['bbbbbbbbbbbbbbbbbbbbbbbb', '2']]);
  assert.throws(() => d.decode(Buffer.from([0x80 | 63])), HpackError);
  d.decode(Buffer.from([0x20])); // size update to 0 empties the table
  assert.throws(() => d.decode(Buffer.from([0x80 | 62])), HpackError);
  assert.throws(() => d.decode(Buffer.from([0x3f, 0xe1, 0x1f])), HpackError, 'above the limit');
});

test('malformed blocks are HpackErrors, never crashes or hangs', () => {
  const bad = [
    '80', // index 0
    'ff ff ff ff ff ff 0f', // index overflow
    '1f', // truncated integer
    '00 05 61', // name longer than the block
    '00 81 ff 01 61', // Huffman name that is all padding (EOS prefix of 8 bits)
    '00 81 00 01 61', // Huffman '0' (00000) then padding 000: not a prefix of EOS
    '82 20', // size update after a field
  ];
  for (const b of bad) assert.throws(() => new HpackDecoder().decode(hex(b)), HpackError, b);
  // seeded random blocks: every one decodes or throws HpackError
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 5000; i++) {
    const block = Buffer.from(Array.from({ length: 1 + (rnd() % 40) }, rnd));
    try {
      new HpackDecoder().decode(block);
    } catch (e) {
      assert.ok(e instanceof HpackError, `block ${block.toString('hex')}: ${String(e)}`);
    }
  }
});

test('encodeHeaders output decodes back to the same fields', () => {
  const fields: Array<[string, string]> = [
    [':status', '200'],
    ['content-type', 'application/grpc'],
    ['grpc-status', '3'],
    ['grpc-message', 'etcdserver: key is not provided %25'],
    ['x-long', 'v'.repeat(300)],
  ];
  assert.deepEqual(new HpackDecoder().decode(encodeHeaders(fields)), fields);
});
