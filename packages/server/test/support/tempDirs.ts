import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Temporary directories for tests. makeTemp/rmTemp are for callers that remove their own;
// tempDir's are removed when the test process exits. The WAL tests preallocate 64 MiB
// segments, so a run that left its directories behind grew /tmp by hundreds of MiB each time.
// Removal waits for exit because some tests leave a backend open on purpose (a failed one, or
// one another process reads), and deleting open files is safe on Linux.

/** A fresh temp dir (for a data dir); remove it with rmTemp. */
export function makeTemp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmTemp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

const removeAtExit = new Set<string>();
process.once('exit', () => removeAtExit.forEach(rmTemp));

/** A fresh temp dir, removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = makeTemp(prefix);
  removeAtExit.add(dir);
  return dir;
}
