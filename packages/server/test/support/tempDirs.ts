import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Temporary directories for one test file, removed when its process exits. The WAL tests
// preallocate 64 MiB segments, so a run that left its directories behind grew /tmp by
// hundreds of MiB each time. Removal waits for exit because some tests leave a backend open
// on purpose (a failed one, or one another process reads), and deleting open files is safe
// on Linux.

const made = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** a fresh directory under the system temp dir, named PREFIX + random suffix */
export function tempDir(prefix: string): string {
  if (!hooked) {
    process.once('exit', removeAll);
    hooked = true;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}
