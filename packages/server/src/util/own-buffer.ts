/**
 * A copy of `bytes` in memory of its own. Node hands out small Buffers (`Buffer.from`,
 * `Buffer.allocUnsafe`, protobufjs' writer) as slices of a shared 8 KiB pool, and a slice that
 * lives long keeps its whole pool alive with it. What is kept for long, such as a proposal in a
 * cluster member's in-memory Raft log until the next snapshot, is copied out first.
 */
export function ownBuffer(bytes: Uint8Array): Buffer {
  const b = Buffer.allocUnsafeSlow(bytes.length);
  b.set(bytes);
  return b;
}
