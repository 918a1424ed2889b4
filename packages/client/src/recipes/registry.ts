import { EventEmitter } from 'node:events';
import type { Client } from '../client';
import { ClientClosedError, EtcdError, InvalidArgumentError } from '../errors';
import { backoffDelay } from '../util';
import { Session } from './session';

export interface ServiceInstance {
  /** Service name, e.g. "orders". */
  service: string;
  /** Unique instance id. */
  id: string;
  /** Address clients connect to, e.g. "10.0.0.5:8080". */
  address: string;
  /** Free-form metadata (e.g. { weight: 3, zone: "a" }). */
  metadata?: Record<string, unknown>;
}

export interface RegistryOptions {
  /** Key prefix (default "/services"). Instances live at `<prefix>/<service>/<id>`. */
  prefix?: string;
  /** Session TTL in seconds (default 10). */
  ttl?: number;
}

export function instanceKey(prefix: string, service: string, id: string): string {
  return `${prefix.replace(/\/$/, '')}/${service}/${id}`;
}

/**
 * Registers service instances under a session lease. If the session is lost (lease
 * expired, e.g. after a network partition) a new session is created and every instance
 * is re-registered ('reregistered' event). `close()` deregisters everything.
 *
 * Events: 'registered' (instance), 'deregistered' (instance), 'lost' (error),
 * 'reregistered' (leaseId), 'error' (error, only if listened to).
 */
export class ServiceRegistry extends EventEmitter {
  private session: Session | null = null;
  private readonly instances = new Map<string, ServiceInstance>();
  private closed = false;
  private readonly prefix: string;
  private readonly ttl: number;
  private recovering: Promise<void> | null = null;

  constructor(
    private readonly client: Client,
    options: RegistryOptions = {},
  ) {
    super();
    this.prefix = options.prefix ?? '/services';
    this.ttl = options.ttl ?? 10;
  }

  /** Lease id of the current session (undefined before the first registration). */
  get leaseId(): bigint | undefined {
    return this.session?.leaseId;
  }

  private async ensureSession(): Promise<Session> {
    if (this.session && !this.session.isLost && !this.session.isClosed) return this.session;
    const s = await Session.create(this.client, { ttl: this.ttl });
    this.session = s;
    s.once('lost', (err: EtcdError) => {
      if (this.closed || this.session !== s) return;
      this.emit('lost', err);
      void this.recover();
    });
    return s;
  }

  private recover(): Promise<void> {
    if (!this.recovering) {
      this.recovering = (async () => {
        for (let attempt = 0; !this.closed; attempt++) {
          try {
            const s = await this.ensureSession();
            for (const inst of this.instances.values()) await this.write(s, inst);
            this.emit('reregistered', s.leaseId);
            return;
          } catch (e) {
            if (this.closed || this.client.isClosed) return;
            if (this.listenerCount('error')) this.emit('error', e);
            await new Promise((r) => setTimeout(r, backoffDelay(attempt, 100, 2000)));
          }
        }
      })().finally(() => {
        this.recovering = null;
      });
    }
    return this.recovering;
  }

  private async write(s: Session, inst: ServiceInstance): Promise<void> {
    const value = JSON.stringify({
      id: inst.id,
      service: inst.service,
      address: inst.address,
      metadata: inst.metadata ?? {},
    });
    await this.client.put(instanceKey(this.prefix, inst.service, inst.id), value, {
      lease: s.leaseId,
    });
  }

  async register(instance: ServiceInstance): Promise<void> {
    if (this.closed) throw new ClientClosedError('registry is closed');
    if (!instance?.service || !instance.id || typeof instance.address !== 'string') {
      throw new InvalidArgumentError('service, id and address are required');
    }
    if (/\//.test(instance.service) || /\//.test(instance.id))
      throw new InvalidArgumentError('service and id must not contain "/"');
    const s = await this.ensureSession();
    const k = `${instance.service}/${instance.id}`;
    this.instances.set(k, { ...instance });
    await this.write(s, instance);
    this.emit('registered', instance);
  }

  /** Update metadata of a registered instance. */
  async update(service: string, id: string, metadata: Record<string, unknown>): Promise<void> {
    const inst = this.instances.get(`${service}/${id}`);
    if (!inst) throw new InvalidArgumentError(`instance ${service}/${id} is not registered`);
    inst.metadata = metadata;
    await this.write(await this.ensureSession(), inst);
  }

  async deregister(service: string, id: string): Promise<void> {
    const k = `${service}/${id}`;
    const inst = this.instances.get(k);
    this.instances.delete(k);
    await this.client.delete(instanceKey(this.prefix, service, id));
    if (inst) this.emit('deregistered', inst);
  }

  /** Deregister all instances and revoke the session lease. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const s = this.session;
    this.session = null;
    if (!this.client.isClosed) {
      for (const inst of this.instances.values()) {
        await this.client
          .delete(instanceKey(this.prefix, inst.service, inst.id))
          .catch(() => undefined);
      }
    }
    this.instances.clear();
    await s?.close();
  }
}
