/** ZooKeeper's path rules (PathUtils.validatePath) and the mapping of paths onto etcd keys. */

/** etcd key prefix of znode data: znode "/a/b" is etcd key "/zookeeper/a/b". */
export const ZK_KEY_PREFIX = '/zookeeper';

export function dataKey(path: string): Buffer {
  return Buffer.from(ZK_KEY_PREFIX + path, 'utf8');
}

const NON_ASCII = /[^\x00-\x7f]/;

/** dataKey() as a latin1 string (one char per byte): the path itself when it is ASCII. */
export function dataKeyLatin1(path: string): string {
  return NON_ASCII.test(path) ? dataKey(path).toString('latin1') : ZK_KEY_PREFIX + path;
}

/** The znode path of an etcd key under the prefix, or undefined when it names no valid path. */
export function pathOfKey(key: Buffer): string | undefined {
  const s = key.toString('utf8');
  if (!s.startsWith(ZK_KEY_PREFIX + '/')) return undefined;
  const p = s.slice(ZK_KEY_PREFIX.length);
  return invalidPathReason(p) === undefined ? p : undefined;
}

/** Why a path is invalid, or undefined when it is valid. */
export function invalidPathReason(path: string): string | undefined {
  if (path.length === 0) return 'Path length must be > 0';
  if (path[0] !== '/') return 'Path must start with / character';
  if (path.length === 1) return undefined;
  if (path[path.length - 1] === '/') return 'Path must not end with / character';
  // char codes only: this runs for every request path (a write's on every member, at apply)
  const SLASH = 0x2f;
  const DOT = 0x2e;
  let last = SLASH;
  for (let i = 1; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === 0) return `null character not allowed @${i}`;
    if (code === SLASH && last === SLASH) return `empty node name specified @${i}`;
    if (code === DOT) {
      // "." or ".." as a whole name
      const nameStart = last === DOT ? path.charCodeAt(i - 2) === SLASH : last === SLASH;
      if (nameStart && (i + 1 === path.length || path.charCodeAt(i + 1) === SLASH))
        return `relative paths not allowed @${i}`;
    } else if (
      (code > 0 && code <= 0x1f) ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0xd800 && code <= 0xf8ff) ||
      (code >= 0xfff0 && code <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
    last = code;
  }
  return undefined;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
