// Entry point of @concord/proto. 64-bit integer fields decode as Long and are typed number | Long.
import Long = require('long');
import * as protobuf from 'protobufjs/minimal';
export { etcdserverpb, mvccpb, authpb, v3electionpb, v3lockpb, concordpb } from './generated/etcd';
export { Long, protobuf };
