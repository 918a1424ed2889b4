import { AuthService } from '@concord/proto/grpc-services';
import type { CallOptions, Connection } from './connection';
import { Bytes, toBuffer } from './util';
import { rangeOf, RangeSelector } from './kv';

export type PermissionType = 'read' | 'write' | 'readwrite';
const PERM: Record<PermissionType, number> = { read: 0, write: 1, readwrite: 2 };

/** Auth management (enable/disable, users, roles). Authentication itself is automatic from ClientOptions. */
export class Auth {
  constructor(private readonly conn: Connection) {}
  private call(name: keyof typeof AuthService, req: unknown, options: CallOptions) {
    return this.conn.unary<any>(AuthService[name], req, { ...options, idempotent: false });
  }
  async enable(options: CallOptions = {}): Promise<void> {
    await this.call('AuthEnable', {}, options);
  }
  async disable(options: CallOptions = {}): Promise<void> {
    await this.call('AuthDisable', {}, options);
  }
  async status(options: CallOptions = {}): Promise<{ enabled: boolean }> {
    const r = await this.conn.unary<any>(
      AuthService.AuthStatus,
      {},
      { ...options, idempotent: true },
    );
    return { enabled: !!r.enabled };
  }
  async userAdd(name: string, password: string, options: CallOptions = {}): Promise<void> {
    await this.call('UserAdd', { name, password }, options);
  }
  async userDelete(name: string, options: CallOptions = {}): Promise<void> {
    await this.call('UserDelete', { name }, options);
  }
  async userGrantRole(user: string, role: string, options: CallOptions = {}): Promise<void> {
    await this.call('UserGrantRole', { user, role }, options);
  }
  async roleAdd(name: string, options: CallOptions = {}): Promise<void> {
    await this.call('RoleAdd', { name }, options);
  }
  async roleDelete(name: string, options: CallOptions = {}): Promise<void> {
    await this.call('RoleDelete', { role: name }, options);
  }
  async roleGrantPermission(
    role: string,
    perm: PermissionType,
    key: Bytes,
    range: RangeSelector = {},
    options: CallOptions = {},
  ): Promise<void> {
    const r = rangeOf(toBuffer(key), range);
    await this.call(
      'RoleGrantPermission',
      { name: role, perm: { permType: PERM[perm], key: r.key, rangeEnd: r.rangeEnd } },
      options,
    );
  }
}
