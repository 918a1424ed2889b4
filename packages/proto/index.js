'use strict';
// Entry point of @concord/proto: the etcd v3 API (etcdserverpb, mvccpb, authpb,
// v3electionpb, v3lockpb) and Concord's internal log format (concordpb), as
// static protobufjs classes. 64-bit integer fields decode as Long (typed number|Long so callers may pass numbers).
const $protobuf = require('protobufjs/minimal');
const Long = require('long');

// Make sure the protobufjs runtime decodes 64-bit fields into *this* Long class,
// regardless of how node_modules happened to be hoisted.
if ($protobuf.util.Long !== Long) {
  $protobuf.util.Long = Long;
  $protobuf.configure();
}

const root = require('./generated/etcd');

exports.etcdserverpb = root.etcdserverpb;
exports.mvccpb = root.mvccpb;
exports.authpb = root.authpb;
exports.v3electionpb = root.v3electionpb;
exports.v3lockpb = root.v3lockpb;
exports.concordpb = root.concordpb;
exports.Long = Long;
exports.protobuf = $protobuf;
