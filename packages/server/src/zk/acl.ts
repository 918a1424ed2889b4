/** ZooKeeper ACLs: the world, auth, digest and ip schemes and permission checks. */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { Acl, Err, Id, ZkError } from './records';

/** digest scheme id of user:password, as DigestAuthenticationProvider.generateDigest. */
export function digestId(userPass: string): string {
  const user = userPass.split(':')[0];
  return `${user}:${crypto.createHash('sha1').update(userPass, 'utf8').digest('base64')}`;
}

function ipToBytes(ip: string): Buffer | undefined {
  const v = net.isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map((x) => Number(x)));
  return undefined;
}

function ipMatches(aclId: string, clientIp: string): boolean {
  const [addr, bitsStr] = aclId.split('/');
  const a = ipToBytes(addr);
  const c = ipToBytes(clientIp.replace(/^::ffff:/, ''));
  if (!a || !c) return false;
  const bits = bitsStr === undefined ? 32 : Number(bitsStr);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff;
    if ((a[i] & mask) !== (c[i] & mask)) return false;
  }
  return true;
}

function validIpAcl(id: string): boolean {
  const [addr, bits] = id.split('/');
  if (!ipToBytes(addr)) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= 32);
}

/**
 * The ACL a create/setACL stores (PrepRequestProcessor.fixupACL): "auth" entries are replaced by
 * every authenticated identity of the caller (digest ones; ip is not "authenticated");
 * unknown schemes and malformed ids are InvalidACL.
 */
export function fixupAcl(acl: Acl[], auth: Id[]): Acl[] {
  if (acl.length === 0) throw new ZkError(Err.INVALIDACL);
  const out: Acl[] = [];
  const add = (a: Acl) => {
    if (!out.some((x) => x.perms === a.perms && x.id.scheme === a.id.scheme && x.id.id === a.id.id))
      out.push(a);
  };
  for (const a of acl) {
    const { scheme, id } = a.id;
    if (scheme === 'world' && id === 'anyone') add(a);
    else if (scheme === 'auth') {
      let any = false;
      for (const x of auth)
        if (x.scheme === 'digest' || x.scheme === 'super') {
          add({ perms: a.perms, id: { scheme: x.scheme, id: x.id } });
          any = true;
        }
      if (!any) throw new ZkError(Err.INVALIDACL);
    } else if (scheme === 'digest') {
      if (id.split(':').length !== 2) throw new ZkError(Err.INVALIDACL);
      add(a);
    } else if (scheme === 'ip') {
      if (!validIpAcl(id)) throw new ZkError(Err.INVALIDACL);
      add(a);
    } else throw new ZkError(Err.INVALIDACL);
  }
  return out;
}

/** ZooKeeperServer.checkACL: some entry with one of `perm` must match an identity of the caller. */
export function allowed(acl: Acl[], perm: number, auth: Id[]): boolean {
  if (auth.some((x) => x.scheme === 'super')) return true;
  if (acl.length === 0) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    const { scheme, id } = a.id;
    if (scheme === 'world' && id === 'anyone') return true;
    for (const x of auth) {
      if (x.scheme !== scheme) continue;
      if (scheme === 'ip' ? ipMatches(id, x.id) : x.id === id) return true;
    }
  }
  return false;
}

export function checkAcl(acl: Acl[], perm: number, auth: Id[]): void {
  if (!allowed(acl, perm, auth)) throw new ZkError(Err.NOAUTH);
}
