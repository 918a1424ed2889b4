import { KvStore, rangeBounds } from '../mvcc/kv-store';
import { EVENT_DELETE, EVENT_PUT, MvccEvent } from '../mvcc/types';

/**
 * Where a watcher's responses go: one per client watch stream. `send` returns false when the
 * stream's buffer is full; the hub then stops pushing to that stream's watchers, which fall back
 * to catching up from the backend when `resume` is called (on drain). So a slow client never
 * blocks writes, never holds unbounded memory and never misses an event.
 */
export interface WatchSink {
  // send(): events are shared between watchers (often the very same array, which is never
  // changed afterwards) and may carry prevKv; include it only for watchers created with prevKv
  readonly writable: boolean;
  send(watcher: Watcher, events: MvccEvent[], revision: number): boolean;
  /**
   * Optional: the same events to several of this sink's watchers. Stops once the sink is
   * full; returns how many watchers, from the start of the list, were sent them.
   */
  sendMany?(watchers: Watcher[], events: MvccEvent[], revision: number): number;
  compacted(watcher: Watcher, compactRevision: number): void;
}

export interface WatchOptions {
  key: Buffer;
  /** empty: one key; [0]: every key >= key; else exclusive end */
  rangeEnd: Buffer;
  /** first revision to deliver; 0 = from the next revision */
  startRevision: number;
  noPut: boolean;
  noDelete: boolean;
  prevKv: boolean;
  sink: WatchSink;
  /** the sink's own number for this watcher (an etcd watch stream's watch ID) */
  sinkId?: number;
  /** bits the sink keeps per watcher (Watcher.sinkFlags) */
  sinkFlags?: number;
}

/**
 * One key's single-key watchers, by sink, with the key they share: watchers of one key hold
 * this one copy of it (and its latin1 name, the map key) instead of each a Buffer viewing the
 * request that created it, which also kept that request's whole network read alive.
 */
class KeyWatchers extends Map<WatchSink, Set<Watcher>> {
  constructor(
    readonly name: string,
    readonly key: Buffer,
  ) {
    super();
  }
}

/**
 * A watcher keeps only what matching and delivery read, not its WatchOptions: a server may hold
 * tens of thousands, often created in one burst, and each object kept per watcher is memory
 * for as long as it watches.
 */
export class Watcher {
  /** next revision this watcher needs */
  nextRev: number;
  synced = false;
  readonly sink: WatchSink;
  /**
   * The sink's own number and flags for this watcher, kept here so a sink needs no object and
   * no map entry of its own per watcher to find them.
   */
  readonly sinkId: number;
  sinkFlags: number;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  readonly single: string | undefined;
  readonly start: Buffer;
  readonly end: Buffer | undefined;
  readonly empty: boolean;

  /** `group`: the key's watchers for a single-key watcher (its key is the group's), else none */
  constructor(
    readonly id: number,
    opts: WatchOptions,
    nextRev: number,
    group: KeyWatchers | undefined,
  ) {
    this.nextRev = nextRev;
    this.sink = opts.sink;
    this.sinkId = opts.sinkId ?? 0;
    this.sinkFlags = opts.sinkFlags ?? 0;
    this.noPut = opts.noPut;
    this.noDelete = opts.noDelete;
    this.prevKv = opts.prevKv;
    if (group) {
      this.single = group.name;
      this.start = group.key;
      this.end = undefined;
      this.empty = false;
    } else {
      const b = rangeBounds(opts.key, opts.rangeEnd);
      this.single = undefined;
      this.start = b ? b.start : opts.key;
      this.end = b ? b.end : undefined;
      this.empty = b === undefined;
    }
  }

  /** The event's type passes this watcher's filters (its key is checked by matches()). */
  wantsType(ev: MvccEvent): boolean {
    if (ev.type === EVENT_PUT) return !this.noPut;
    return !(ev.type === EVENT_DELETE && this.noDelete);
  }

  matches(ev: MvccEvent): boolean {
    if (!this.wantsType(ev)) return false;
    if (this.single !== undefined) return ev.kv.key.equals(this.start);
    if (this.empty) return false;
    const k = ev.kv.key;
    return (
      Buffer.compare(k, this.start) >= 0 &&
      (this.end === undefined || Buffer.compare(k, this.end) < 0)
    );
  }
}

/** Revisions read per catch-up step, as etcd's watch batch limit. */
const CATCHUP_EVENTS = 1000;

export class WatchHub {
  private nextId = 1;
  /**
   * Single-key watchers by key, then by sink: one stream's responses to a change are written
   * one after the other, so the transport can carry them in one frame.
   */
  private readonly byKey = new Map<string, KeyWatchers>();
  private readonly ranged = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private catchupScheduled = false;
  /** scratch list of deliverToSink (a fan-out runs to its end before the next one starts) */
  private readonly due: Watcher[] = [];
  private closed = false;
  /** watchers created with prevKv: while there are any, puts read their previous value */
  private prevKvWatchers = 0;

  constructor(private readonly kv: KvStore) {}

  get watcherCount(): number {
    let n = this.ranged.size;
    for (const s of this.singleSets()) n += s.size;
    return n;
  }

  /** every (key, sink) group of single-key watchers */
  private *singleSets(): Iterable<Set<Watcher>> {
    for (const bySink of this.byKey.values()) yield* bySink.values();
  }

  /** Whether applied puts must carry prevKv (StateMachine.eventsNeedPrevKv). */
  get wantsPrevKv(): boolean {
    return this.prevKvWatchers > 0;
  }

  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  watch(opts: WatchOptions): Watcher {
    const current = this.kv.currentRevision;
    const start = opts.startRevision > 0 ? opts.startRevision : current + 1;
    let w: Watcher;
    if (opts.rangeEnd.length === 0) {
      const name = opts.key.toString('latin1');
      let group = this.byKey.get(name);
      // a copy: opts.key may view the client's request, a network read of many requests
      if (!group) this.byKey.set(name, (group = new KeyWatchers(name, Buffer.from(opts.key))));
      w = new Watcher(this.nextId++, opts, start, group);
      let s = group.get(opts.sink);
      if (!s) group.set(opts.sink, (s = new Set()));
      s.add(w);
    } else {
      w = new Watcher(this.nextId++, opts, start, undefined);
      this.ranged.add(w);
    }
    if (opts.prevKv) this.prevKvWatchers++;
    if (start > current) w.synced = true;
    else this.markUnsynced(w);
    return w;
  }

  cancel(w: Watcher): void {
    let removed = false;
    if (w.single !== undefined) {
      const bySink = this.byKey.get(w.single);
      const s = bySink?.get(w.sink);
      if (bySink && s?.delete(w)) {
        removed = true;
        if (s.size === 0) bySink.delete(w.sink);
        if (bySink.size === 0) this.byKey.delete(w.single);
      }
    } else removed = this.ranged.delete(w);
    if (removed && w.prevKv) this.prevKvWatchers--;
    this.unsynced.delete(w);
    w.synced = false;
  }

  /** Called after each applied batch with its events, in revision order. */
  notify(events: MvccEvent[]): void {
    if (events.length === 0) return;
    const revision = this.kv.currentRevision;
    if (events.length === 1) return this.notifyOne(events, revision);
    const perWatcher = new Map<Watcher, MvccEvent[]>();
    const add = (w: Watcher, ev: MvccEvent): void => {
      if (!w.synced || ev.kv.modRevision < w.nextRev || !w.matches(ev)) return;
      let list = perWatcher.get(w);
      if (!list) perWatcher.set(w, (list = []));
      list.push(ev);
    };
    for (const ev of events) {
      const bySink = this.byKey.get(ev.kv.key.toString('latin1'));
      if (bySink) for (const s of bySink.values()) for (const w of s) add(w, ev);
      for (const w of this.ranged) add(w, ev);
    }
    // A synced watcher's nextRev only matters once it falls behind; deliver() sets it then.
    for (const [w, evs] of perWatcher) this.deliver(w, evs, revision);
  }

  /**
   * The common case, one event (a put): every interested watcher gets the same one-element
   * array, so sinks encode it once; single-key watchers were found by key and need no compare.
   */
  private notifyOne(events: MvccEvent[], revision: number): void {
    const ev = events[0];
    const bySink = this.byKey.get(ev.kv.key.toString('latin1'));
    if (bySink) for (const [sink, s] of bySink) this.deliverToSink(sink, s, events, revision);
    for (const w of this.ranged)
      if (w.synced && ev.kv.modRevision >= w.nextRev && w.matches(ev))
        this.deliver(w, events, revision);
  }

  /** One event to a sink's single-key watchers of its key: in one sendMany when it has one. */
  private deliverToSink(
    sink: WatchSink,
    watchers: Set<Watcher>,
    events: MvccEvent[],
    revision: number,
  ): void {
    const ev = events[0];
    const due = this.due;
    for (const w of watchers)
      if (w.synced && ev.kv.modRevision >= w.nextRev && w.wantsType(ev)) due.push(w);
    if (due.length === 0) return;
    if (!sink.sendMany || !sink.writable) {
      for (const w of due) this.deliver(w, events, revision);
      due.length = 0;
      return;
    }
    for (const w of due) w.nextRev = revision + 1;
    const served = sink.sendMany(due, events, revision);
    // those the full sink did not take catch up from the backend; the served stay synced (their
    // next event finds the sink full, if it still is, and makes them unsynced then)
    for (let i = served; i < due.length; i++) {
      due[i].nextRev = ev.kv.modRevision;
      this.markUnsynced(due[i]);
    }
    due.length = 0;
  }

  private deliver(w: Watcher, evs: MvccEvent[], revision: number): void {
    const sink = w.sink;
    if (!sink.writable) {
      // keep nothing in memory: the backend has these events
      w.nextRev = evs[0].kv.modRevision;
      this.markUnsynced(w);
      return;
    }
    // the events are shared by every watcher; the sink leaves prev_kv out unless asked for
    w.nextRev = revision + 1;
    if (!sink.send(w, evs, revision)) this.markUnsynced(w);
  }

  private markUnsynced(w: Watcher): void {
    w.synced = false;
    this.unsynced.add(w);
    this.scheduleCatchup();
  }

  /**
   * The store jumped ahead (a Raft snapshot replaced the backend): synced watchers have seen
   * everything up to `prevRevision` and catch up on the rest from the backend.
   */
  resync(prevRevision: number): void {
    const all = [...this.ranged];
    for (const s of this.singleSets()) all.push(...s);
    for (const w of all) {
      if (!w.synced) continue;
      w.nextRev = Math.max(w.nextRev, prevRevision + 1);
      this.markUnsynced(w);
    }
  }

  /** A sink became writable again: let its watchers catch up. */
  resume(): void {
    if (this.unsynced.size > 0) this.scheduleCatchup();
  }

  private scheduleCatchup(): void {
    if (this.catchupScheduled || this.closed) return;
    this.catchupScheduled = true;
    setImmediate(() => {
      this.catchupScheduled = false;
      this.catchup();
    });
  }

  /**
   * One bounded round of catch-up for every unsynced watcher whose sink can take more. Another
   * round is scheduled only while some writable sink's watcher is still behind; a watcher whose
   * sink is full waits for that sink's 'drain' (`resume`) instead of being polled every loop
   * turn, which kept the one thread busy while the client was the one that had to catch up.
   */
  private catchup(): void {
    if (this.kv.backend.busy) return; // resumed by the server once the backend is back
    const compactRev = this.kv.compactRevision;
    let pending = false;
    // watchers wanting the same revision share one backend read
    const reads = new Map<string, { events: MvccEvent[]; nextRev: number }>();
    for (const w of [...this.unsynced]) {
      if (!w.sink.writable) continue; // its sink's drain calls resume()
      if (w.nextRev < compactRev) {
        this.cancel(w);
        w.sink.compacted(w, compactRev);
        continue;
      }
      const readKey = `${w.nextRev}/${w.prevKv ? 1 : 0}`;
      let r = reads.get(readKey);
      if (!r) reads.set(readKey, (r = this.kv.eventsSince(w.nextRev, CATCHUP_EVENTS, w.prevKv)));
      const mine = r.events.filter((ev) => w.matches(ev));
      const revision = this.kv.currentRevision;
      w.nextRev = r.nextRev;
      const ok = mine.length > 0 ? w.sink.send(w, mine, revision) : true;
      if (w.nextRev > revision) {
        this.unsynced.delete(w);
        w.synced = true;
      } else if (ok) pending = true; // more to read and room for it; else drain resumes it
    }
    if (pending) this.scheduleCatchup();
  }

  close(): void {
    this.closed = true;
  }
}
