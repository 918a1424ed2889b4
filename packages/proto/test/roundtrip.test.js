'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const protobuf = require('protobufjs');

const { etcdserverpb, mvccpb, authpb, v3electionpb, v3lockpb, concordpb, Long } = require('..');
const grpcServices = require('../grpc-services');

const b = (s) => Buffer.from(s, 'utf8');
const roundtrip = (Type, obj) => {
  const bytes = Type.encode(Type.create(obj)).finish();
  return { bytes: Buffer.from(bytes), msg: Type.decode(bytes) };
};

test('exports all namespaces and Long', () => {
  for (const ns of [etcdserverpb, mvccpb, authpb, v3electionpb, v3lockpb, concordpb]) assert.equal(typeof ns, 'object');
  assert.equal(typeof Long.fromString, 'function');
  assert.equal(typeof mvccpb.Event.EventType.DELETE, 'number');
  assert.equal(authpb.Permission.Type.READWRITE, 2);
});

test('PutRequest {key:"foo", value:"bar"} has the canonical proto3 encoding', () => {
  const bytes = Buffer.from(etcdserverpb.PutRequest.encode({ key: b('foo'), value: b('bar') }).finish());
  assert.equal(bytes.toString('hex'), '0a03666f6f1203626172');
});

test('PutRequest roundtrip', () => {
  const { msg } = roundtrip(etcdserverpb.PutRequest, {
    key: b('k'), value: b('v'), lease: Long.fromNumber(42), prevKv: true, ignoreLease: true,
  });
  assert.deepEqual(Buffer.from(msg.key), b('k'));
  assert.deepEqual(Buffer.from(msg.value), b('v'));
  assert.ok(Long.isLong(msg.lease));
  assert.equal(msg.lease.toString(), '42');
  assert.equal(msg.prevKv, true);
  assert.equal(msg.ignoreValue, false);
  assert.equal(msg.ignoreLease, true);
});

test('TxnRequest with compares and a nested request_txn', () => {
  const { msg } = roundtrip(etcdserverpb.TxnRequest, {
    compare: [{
      result: etcdserverpb.Compare.CompareResult.EQUAL,
      target: etcdserverpb.Compare.CompareTarget.MOD,
      key: b('a'),
      modRevision: Long.fromNumber(5),
      rangeEnd: b('b'),
    }],
    success: [
      { requestPut: { key: b('a'), value: b('1') } },
      {
        requestTxn: {
          compare: [{ target: etcdserverpb.Compare.CompareTarget.VALUE, key: b('x'), value: b('y') }],
          success: [{ requestDeleteRange: { key: b('x'), prevKv: true } }],
          failure: [{ requestRange: { key: b('x'), limit: Long.fromNumber(1) } }],
        },
      },
    ],
    failure: [{ requestRange: { key: b('a'), rangeEnd: b('\0'), countOnly: true } }],
  });
  assert.equal(msg.compare.length, 1);
  assert.equal(msg.compare[0].targetUnion, 'modRevision');
  assert.equal(msg.compare[0].modRevision.toNumber(), 5);
  assert.deepEqual(Buffer.from(msg.compare[0].rangeEnd), b('b'));
  assert.equal(msg.success[0].request, 'requestPut');
  assert.equal(msg.success[1].request, 'requestTxn');
  const inner = msg.success[1].requestTxn;
  assert.equal(inner.compare[0].targetUnion, 'value');
  assert.deepEqual(Buffer.from(inner.compare[0].value), b('y'));
  assert.equal(inner.success[0].request, 'requestDeleteRange');
  assert.equal(inner.success[0].requestDeleteRange.prevKv, true);
  assert.equal(inner.failure[0].requestRange.limit.toNumber(), 1);
  assert.equal(msg.failure[0].requestRange.countOnly, true);
});

test('WatchRequest create_request with watch_id and filters', () => {
  const F = etcdserverpb.WatchCreateRequest.FilterType;
  const { bytes, msg } = roundtrip(etcdserverpb.WatchRequest, {
    createRequest: {
      key: b('/a'), rangeEnd: b('/b'), startRevision: Long.fromNumber(100),
      progressNotify: true, filters: [F.NOPUT, F.NODELETE], prevKv: true,
      watchId: Long.fromNumber(7), fragment: true,
    },
  });
  assert.equal(bytes[0], 0x0a); // field 1, length-delimited
  assert.equal(msg.requestUnion, 'createRequest');
  const c = msg.createRequest;
  assert.deepEqual(c.filters, [F.NOPUT, F.NODELETE]);
  assert.equal(c.watchId.toNumber(), 7);
  assert.equal(c.startRevision.toNumber(), 100);
  assert.equal(c.progressNotify, true);
  assert.equal(c.prevKv, true);
  assert.equal(c.fragment, true);

  const cancel = roundtrip(etcdserverpb.WatchRequest, { cancelRequest: { watchId: Long.fromNumber(3) } }).msg;
  assert.equal(cancel.requestUnion, 'cancelRequest');
  const prog = roundtrip(etcdserverpb.WatchRequest, { progressRequest: {} }).msg;
  assert.equal(prog.requestUnion, 'progressRequest');
});

test('LeaseGrantRequest keeps a full 64-bit ID exactly as Long', () => {
  const id = Long.fromString('694d7e5dd3c5d10c', false, 16);
  assert.ok(id.greaterThan(Long.fromNumber(Number.MAX_SAFE_INTEGER)));
  const { msg } = roundtrip(etcdserverpb.LeaseGrantRequest, { TTL: Long.fromNumber(60), ID: id });
  assert.ok(Long.isLong(msg.ID));
  assert.ok(msg.ID.equals(id));
  assert.equal(msg.ID.unsigned, false); // int64 in the proto
  assert.equal(msg.ID.toString(16), '694d7e5dd3c5d10c');
  assert.equal(msg.TTL.toNumber(), 60);

  // uint64 member ids use the whole range, including the top bit.
  const member = Long.fromString('ffeeddccbbaa9988', true, 16);
  const m = roundtrip(etcdserverpb.Member, { ID: member, name: 'n1', peerURLs: ['http://a:2380'] }).msg;
  assert.equal(m.ID.unsigned, true);
  assert.equal(m.ID.toString(16), 'ffeeddccbbaa9988');
  // Defaults of unset 64-bit fields are Long too.
  assert.ok(Long.isLong(etcdserverpb.ResponseHeader.decode(new Uint8Array(0)).revision));
});

test('InternalRequest wrapping a PutRequest', () => {
  const { msg } = roundtrip(concordpb.InternalRequest, {
    id: Long.fromString('18446744073709551615', true),
    timeMs: Long.fromNumber(1_700_000_000_123),
    put: { key: b('foo'), value: b('bar'), lease: Long.fromString('694d7e5dd3c5d10c', false, 16) },
  });
  assert.equal(msg.id.toString(), '18446744073709551615');
  assert.equal(msg.timeMs.toNumber(), 1_700_000_000_123);
  assert.ok(msg.put);
  assert.deepEqual(Buffer.from(msg.put.key), b('foo'));
  assert.equal(msg.put.lease.toString(16), '694d7e5dd3c5d10c');
  assert.equal(msg.txn, null);
  // The nested PutRequest is wire-identical to a standalone one.
  const standalone = etcdserverpb.PutRequest.encode({ key: b('foo'), value: b('bar') }).finish();
  const wrapped = concordpb.InternalRequest.encode({ put: { key: b('foo'), value: b('bar') } }).finish();
  assert.equal(Buffer.from(wrapped).toString('hex'), '1a' + standalone.length.toString(16).padStart(2, '0') + Buffer.from(standalone).toString('hex'));
  const noop = roundtrip(concordpb.InternalRequest, { noop: {} }).msg;
  assert.ok(noop.noop);
});

test('grpc-services tables match the service definitions in the .proto files', () => {
  const protoDir = path.join(__dirname, '..', 'proto');
  const root = new protobuf.Root();
  root.resolvePath = (_o, t) => path.join(protoDir, t);
  root.loadSync(['etcdserverpb/rpc.proto', 'v3electionpb/v3election.proto', 'v3lockpb/v3lock.proto']).resolveAll();
  const expected = {
    'etcdserverpb.KV': 5, 'etcdserverpb.Watch': 1, 'etcdserverpb.Lease': 5, 'etcdserverpb.Cluster': 5,
    'etcdserverpb.Maintenance': 8, 'etcdserverpb.Auth': 17, 'v3electionpb.Election': 5, 'v3lockpb.Lock': 2,
  };
  assert.deepEqual(Object.keys(grpcServices.services).sort(), Object.keys(expected).sort());
  for (const [svcName, count] of Object.entries(expected)) {
    const svc = root.lookupService(svcName);
    const table = grpcServices.services[svcName];
    assert.equal(Object.keys(table).length, count, svcName);
    for (const method of svc.methodsArray) {
      const info = table[method.name];
      assert.ok(info, `${svcName}/${method.name}`);
      assert.equal(info.path, `/${svcName}/${method.name}`);
      assert.equal(info.requestStream, !!method.requestStream);
      assert.equal(info.responseStream, !!method.responseStream);
      assert.equal(info.requestType.name, method.resolvedRequestType.name);
      assert.equal(info.responseType.name, method.resolvedResponseType.name);
    }
  }
  const { KVService, WatchService, LeaseService, MaintenanceService } = grpcServices;
  assert.equal(KVService.Range.path, '/etcdserverpb.KV/Range');
  assert.equal(KVService.Compact.requestType, etcdserverpb.CompactionRequest);
  assert.equal(WatchService.Watch.requestStream && WatchService.Watch.responseStream, true);
  assert.equal(LeaseService.LeaseKeepAlive.requestStream, true);
  assert.equal(MaintenanceService.Snapshot.requestStream, false);
  assert.equal(MaintenanceService.Snapshot.responseStream, true);
});

test('toGrpcServiceDefinition serializes with protobufjs', () => {
  const def = grpcServices.toGrpcServiceDefinition(grpcServices.KVService);
  const buf = def.Put.requestSerialize({ key: b('foo'), value: b('bar') });
  assert.ok(Buffer.isBuffer(buf));
  assert.equal(buf.toString('hex'), '0a03666f6f1203626172');
  assert.deepEqual(Buffer.from(def.Put.requestDeserialize(buf).value), b('bar'));
  const res = def.Range.responseSerialize({
    header: { revision: Long.fromNumber(9) },
    kvs: [{ key: b('a'), value: b('1'), modRevision: Long.fromNumber(9) }],
    count: Long.ONE,
  });
  const back = def.Range.responseDeserialize(res);
  assert.equal(back.header.revision.toNumber(), 9);
  assert.equal(back.kvs[0].modRevision.toNumber(), 9);
  assert.equal(def.Range.originalName, 'range');
});

test('JSON field names are lowerCamelCase (proto3 JSON mapping)', () => {
  const msg = etcdserverpb.RangeRequest.create({ key: b('a'), rangeEnd: b('b'), sortOrder: 1, minModRevision: Long.fromNumber(3) });
  const json = etcdserverpb.RangeRequest.toObject(msg, { longs: String, bytes: String, enums: String });
  assert.deepEqual(json, { key: 'YQ==', rangeEnd: 'Yg==', sortOrder: 'ASCEND', minModRevision: '3' });
});
