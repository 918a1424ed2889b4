import { etcdserverpb, mvccpb, concordpb, Long } from '@concord/proto';
import {
  KVService,
  WatchService,
  LeaseService,
  services,
  toGrpcServiceDefinition,
} from '@concord/proto/grpc-services';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import * as grpc from '@grpc/grpc-js';

const put: etcdserverpb.IPutRequest = {
  key: Buffer.from('a'),
  value: Buffer.from('b'),
  lease: Long.fromString('7'),
};
const bytes: Uint8Array = KVService.Put.requestType.encode(put).finish();
const dec: etcdserverpb.PutRequest = KVService.Put.requestType.decode(bytes);
// int64 fields are typed number | Long (decode yields Long; callers may pass numbers)
const l: number | Long = dec.lease;
const s: true = WatchService.Watch.requestStream;
const kv: mvccpb.IKeyValue = { modRevision: Long.ONE };
const ir = concordpb.InternalRequest.create({ id: Long.UZERO, put });
const def = toGrpcServiceDefinition(KVService);
const md: MethodDefinition<etcdserverpb.IRangeRequest, etcdserverpb.IRangeResponse> = def.Range;
const sd: ServiceDefinition = toGrpcServiceDefinition(LeaseService);
const client = grpc.makeGenericClientConstructor(
  toGrpcServiceDefinition(services['etcdserverpb.KV']),
  'KV',
);
const server = new grpc.Server();
server.addService(toGrpcServiceDefinition(KVService), {});
const r: etcdserverpb.RangeRequest = def.Range.requestDeserialize(Buffer.alloc(0));
console.log(l, s, kv, ir, md, sd, client, r);
