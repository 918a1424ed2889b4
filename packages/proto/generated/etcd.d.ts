import * as $protobuf from "protobufjs";
import Long = require("long");
export namespace mvccpb {

    interface IKeyValue {
        key?: (Uint8Array|null);
        createRevision?: (number|Long|null);
        modRevision?: (number|Long|null);
        version?: (number|Long|null);
        value?: (Uint8Array|null);
        lease?: (number|Long|null);
    }

    class KeyValue implements IKeyValue {
        constructor(properties?: mvccpb.IKeyValue);
        public key: Uint8Array;
        public createRevision: (number|Long);
        public modRevision: (number|Long);
        public version: (number|Long);
        public value: Uint8Array;
        public lease: (number|Long);
        public static create(properties?: mvccpb.IKeyValue): mvccpb.KeyValue;
        public static encode(message: mvccpb.IKeyValue, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: mvccpb.IKeyValue, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mvccpb.KeyValue;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): mvccpb.KeyValue;
        public static fromObject(object: { [k: string]: any }): mvccpb.KeyValue;
        public static toObject(message: mvccpb.KeyValue, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IEvent {
        type?: (mvccpb.Event.EventType|null);
        kv?: (mvccpb.IKeyValue|null);
        prevKv?: (mvccpb.IKeyValue|null);
    }

    class Event implements IEvent {
        constructor(properties?: mvccpb.IEvent);
        public type: mvccpb.Event.EventType;
        public kv?: (mvccpb.IKeyValue|null);
        public prevKv?: (mvccpb.IKeyValue|null);
        public static create(properties?: mvccpb.IEvent): mvccpb.Event;
        public static encode(message: mvccpb.IEvent, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: mvccpb.IEvent, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mvccpb.Event;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): mvccpb.Event;
        public static fromObject(object: { [k: string]: any }): mvccpb.Event;
        public static toObject(message: mvccpb.Event, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace Event {

        enum EventType {
            PUT = 0,
            DELETE = 1
        }
    }
}

export namespace authpb {

    interface IUserAddOptions {
        noPassword?: (boolean|null);
    }

    class UserAddOptions implements IUserAddOptions {
        constructor(properties?: authpb.IUserAddOptions);
        public noPassword: boolean;
        public static create(properties?: authpb.IUserAddOptions): authpb.UserAddOptions;
        public static encode(message: authpb.IUserAddOptions, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: authpb.IUserAddOptions, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.UserAddOptions;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): authpb.UserAddOptions;
        public static fromObject(object: { [k: string]: any }): authpb.UserAddOptions;
        public static toObject(message: authpb.UserAddOptions, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IUser {
        name?: (Uint8Array|null);
        password?: (Uint8Array|null);
        roles?: (string[]|null);
        options?: (authpb.IUserAddOptions|null);
    }

    class User implements IUser {
        constructor(properties?: authpb.IUser);
        public name: Uint8Array;
        public password: Uint8Array;
        public roles: string[];
        public options?: (authpb.IUserAddOptions|null);
        public static create(properties?: authpb.IUser): authpb.User;
        public static encode(message: authpb.IUser, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: authpb.IUser, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.User;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): authpb.User;
        public static fromObject(object: { [k: string]: any }): authpb.User;
        public static toObject(message: authpb.User, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IPermission {
        permType?: (authpb.Permission.Type|null);
        key?: (Uint8Array|null);
        rangeEnd?: (Uint8Array|null);
    }

    class Permission implements IPermission {
        constructor(properties?: authpb.IPermission);
        public permType: authpb.Permission.Type;
        public key: Uint8Array;
        public rangeEnd: Uint8Array;
        public static create(properties?: authpb.IPermission): authpb.Permission;
        public static encode(message: authpb.IPermission, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: authpb.IPermission, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.Permission;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): authpb.Permission;
        public static fromObject(object: { [k: string]: any }): authpb.Permission;
        public static toObject(message: authpb.Permission, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace Permission {

        enum Type {
            READ = 0,
            WRITE = 1,
            READWRITE = 2
        }
    }

    interface IRole {
        name?: (Uint8Array|null);
        keyPermission?: (authpb.IPermission[]|null);
    }

    class Role implements IRole {
        constructor(properties?: authpb.IRole);
        public name: Uint8Array;
        public keyPermission: authpb.IPermission[];
        public static create(properties?: authpb.IRole): authpb.Role;
        public static encode(message: authpb.IRole, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: authpb.IRole, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): authpb.Role;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): authpb.Role;
        public static fromObject(object: { [k: string]: any }): authpb.Role;
        public static toObject(message: authpb.Role, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }
}

export namespace etcdserverpb {

    class KV extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): KV;
        public range(request: etcdserverpb.IRangeRequest, callback: etcdserverpb.KV.RangeCallback): void;
        public range(request: etcdserverpb.IRangeRequest): Promise<etcdserverpb.RangeResponse>;
        public put(request: etcdserverpb.IPutRequest, callback: etcdserverpb.KV.PutCallback): void;
        public put(request: etcdserverpb.IPutRequest): Promise<etcdserverpb.PutResponse>;
        public deleteRange(request: etcdserverpb.IDeleteRangeRequest, callback: etcdserverpb.KV.DeleteRangeCallback): void;
        public deleteRange(request: etcdserverpb.IDeleteRangeRequest): Promise<etcdserverpb.DeleteRangeResponse>;
        public txn(request: etcdserverpb.ITxnRequest, callback: etcdserverpb.KV.TxnCallback): void;
        public txn(request: etcdserverpb.ITxnRequest): Promise<etcdserverpb.TxnResponse>;
        public compact(request: etcdserverpb.ICompactionRequest, callback: etcdserverpb.KV.CompactCallback): void;
        public compact(request: etcdserverpb.ICompactionRequest): Promise<etcdserverpb.CompactionResponse>;
    }

    namespace KV {

        type RangeCallback = (error: (Error|null), response?: etcdserverpb.RangeResponse) => void;

        type PutCallback = (error: (Error|null), response?: etcdserverpb.PutResponse) => void;

        type DeleteRangeCallback = (error: (Error|null), response?: etcdserverpb.DeleteRangeResponse) => void;

        type TxnCallback = (error: (Error|null), response?: etcdserverpb.TxnResponse) => void;

        type CompactCallback = (error: (Error|null), response?: etcdserverpb.CompactionResponse) => void;
    }

    class Watch extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Watch;
        public watch(request: etcdserverpb.IWatchRequest, callback: etcdserverpb.Watch.WatchCallback): void;
        public watch(request: etcdserverpb.IWatchRequest): Promise<etcdserverpb.WatchResponse>;
    }

    namespace Watch {

        type WatchCallback = (error: (Error|null), response?: etcdserverpb.WatchResponse) => void;
    }

    class Lease extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Lease;
        public leaseGrant(request: etcdserverpb.ILeaseGrantRequest, callback: etcdserverpb.Lease.LeaseGrantCallback): void;
        public leaseGrant(request: etcdserverpb.ILeaseGrantRequest): Promise<etcdserverpb.LeaseGrantResponse>;
        public leaseRevoke(request: etcdserverpb.ILeaseRevokeRequest, callback: etcdserverpb.Lease.LeaseRevokeCallback): void;
        public leaseRevoke(request: etcdserverpb.ILeaseRevokeRequest): Promise<etcdserverpb.LeaseRevokeResponse>;
        public leaseKeepAlive(request: etcdserverpb.ILeaseKeepAliveRequest, callback: etcdserverpb.Lease.LeaseKeepAliveCallback): void;
        public leaseKeepAlive(request: etcdserverpb.ILeaseKeepAliveRequest): Promise<etcdserverpb.LeaseKeepAliveResponse>;
        public leaseTimeToLive(request: etcdserverpb.ILeaseTimeToLiveRequest, callback: etcdserverpb.Lease.LeaseTimeToLiveCallback): void;
        public leaseTimeToLive(request: etcdserverpb.ILeaseTimeToLiveRequest): Promise<etcdserverpb.LeaseTimeToLiveResponse>;
        public leaseLeases(request: etcdserverpb.ILeaseLeasesRequest, callback: etcdserverpb.Lease.LeaseLeasesCallback): void;
        public leaseLeases(request: etcdserverpb.ILeaseLeasesRequest): Promise<etcdserverpb.LeaseLeasesResponse>;
    }

    namespace Lease {

        type LeaseGrantCallback = (error: (Error|null), response?: etcdserverpb.LeaseGrantResponse) => void;

        type LeaseRevokeCallback = (error: (Error|null), response?: etcdserverpb.LeaseRevokeResponse) => void;

        type LeaseKeepAliveCallback = (error: (Error|null), response?: etcdserverpb.LeaseKeepAliveResponse) => void;

        type LeaseTimeToLiveCallback = (error: (Error|null), response?: etcdserverpb.LeaseTimeToLiveResponse) => void;

        type LeaseLeasesCallback = (error: (Error|null), response?: etcdserverpb.LeaseLeasesResponse) => void;
    }

    class Cluster extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Cluster;
        public memberAdd(request: etcdserverpb.IMemberAddRequest, callback: etcdserverpb.Cluster.MemberAddCallback): void;
        public memberAdd(request: etcdserverpb.IMemberAddRequest): Promise<etcdserverpb.MemberAddResponse>;
        public memberRemove(request: etcdserverpb.IMemberRemoveRequest, callback: etcdserverpb.Cluster.MemberRemoveCallback): void;
        public memberRemove(request: etcdserverpb.IMemberRemoveRequest): Promise<etcdserverpb.MemberRemoveResponse>;
        public memberUpdate(request: etcdserverpb.IMemberUpdateRequest, callback: etcdserverpb.Cluster.MemberUpdateCallback): void;
        public memberUpdate(request: etcdserverpb.IMemberUpdateRequest): Promise<etcdserverpb.MemberUpdateResponse>;
        public memberList(request: etcdserverpb.IMemberListRequest, callback: etcdserverpb.Cluster.MemberListCallback): void;
        public memberList(request: etcdserverpb.IMemberListRequest): Promise<etcdserverpb.MemberListResponse>;
        public memberPromote(request: etcdserverpb.IMemberPromoteRequest, callback: etcdserverpb.Cluster.MemberPromoteCallback): void;
        public memberPromote(request: etcdserverpb.IMemberPromoteRequest): Promise<etcdserverpb.MemberPromoteResponse>;
    }

    namespace Cluster {

        type MemberAddCallback = (error: (Error|null), response?: etcdserverpb.MemberAddResponse) => void;

        type MemberRemoveCallback = (error: (Error|null), response?: etcdserverpb.MemberRemoveResponse) => void;

        type MemberUpdateCallback = (error: (Error|null), response?: etcdserverpb.MemberUpdateResponse) => void;

        type MemberListCallback = (error: (Error|null), response?: etcdserverpb.MemberListResponse) => void;

        type MemberPromoteCallback = (error: (Error|null), response?: etcdserverpb.MemberPromoteResponse) => void;
    }

    class Maintenance extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Maintenance;
        public alarm(request: etcdserverpb.IAlarmRequest, callback: etcdserverpb.Maintenance.AlarmCallback): void;
        public alarm(request: etcdserverpb.IAlarmRequest): Promise<etcdserverpb.AlarmResponse>;
        public status(request: etcdserverpb.IStatusRequest, callback: etcdserverpb.Maintenance.StatusCallback): void;
        public status(request: etcdserverpb.IStatusRequest): Promise<etcdserverpb.StatusResponse>;
        public defragment(request: etcdserverpb.IDefragmentRequest, callback: etcdserverpb.Maintenance.DefragmentCallback): void;
        public defragment(request: etcdserverpb.IDefragmentRequest): Promise<etcdserverpb.DefragmentResponse>;
        public hash(request: etcdserverpb.IHashRequest, callback: etcdserverpb.Maintenance.HashCallback): void;
        public hash(request: etcdserverpb.IHashRequest): Promise<etcdserverpb.HashResponse>;
        public hashKV(request: etcdserverpb.IHashKVRequest, callback: etcdserverpb.Maintenance.HashKVCallback): void;
        public hashKV(request: etcdserverpb.IHashKVRequest): Promise<etcdserverpb.HashKVResponse>;
        public snapshot(request: etcdserverpb.ISnapshotRequest, callback: etcdserverpb.Maintenance.SnapshotCallback): void;
        public snapshot(request: etcdserverpb.ISnapshotRequest): Promise<etcdserverpb.SnapshotResponse>;
        public moveLeader(request: etcdserverpb.IMoveLeaderRequest, callback: etcdserverpb.Maintenance.MoveLeaderCallback): void;
        public moveLeader(request: etcdserverpb.IMoveLeaderRequest): Promise<etcdserverpb.MoveLeaderResponse>;
        public downgrade(request: etcdserverpb.IDowngradeRequest, callback: etcdserverpb.Maintenance.DowngradeCallback): void;
        public downgrade(request: etcdserverpb.IDowngradeRequest): Promise<etcdserverpb.DowngradeResponse>;
    }

    namespace Maintenance {

        type AlarmCallback = (error: (Error|null), response?: etcdserverpb.AlarmResponse) => void;

        type StatusCallback = (error: (Error|null), response?: etcdserverpb.StatusResponse) => void;

        type DefragmentCallback = (error: (Error|null), response?: etcdserverpb.DefragmentResponse) => void;

        type HashCallback = (error: (Error|null), response?: etcdserverpb.HashResponse) => void;

        type HashKVCallback = (error: (Error|null), response?: etcdserverpb.HashKVResponse) => void;

        type SnapshotCallback = (error: (Error|null), response?: etcdserverpb.SnapshotResponse) => void;

        type MoveLeaderCallback = (error: (Error|null), response?: etcdserverpb.MoveLeaderResponse) => void;

        type DowngradeCallback = (error: (Error|null), response?: etcdserverpb.DowngradeResponse) => void;
    }

    class Auth extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Auth;
        public authEnable(request: etcdserverpb.IAuthEnableRequest, callback: etcdserverpb.Auth.AuthEnableCallback): void;
        public authEnable(request: etcdserverpb.IAuthEnableRequest): Promise<etcdserverpb.AuthEnableResponse>;
        public authDisable(request: etcdserverpb.IAuthDisableRequest, callback: etcdserverpb.Auth.AuthDisableCallback): void;
        public authDisable(request: etcdserverpb.IAuthDisableRequest): Promise<etcdserverpb.AuthDisableResponse>;
        public authStatus(request: etcdserverpb.IAuthStatusRequest, callback: etcdserverpb.Auth.AuthStatusCallback): void;
        public authStatus(request: etcdserverpb.IAuthStatusRequest): Promise<etcdserverpb.AuthStatusResponse>;
        public authenticate(request: etcdserverpb.IAuthenticateRequest, callback: etcdserverpb.Auth.AuthenticateCallback): void;
        public authenticate(request: etcdserverpb.IAuthenticateRequest): Promise<etcdserverpb.AuthenticateResponse>;
        public userAdd(request: etcdserverpb.IAuthUserAddRequest, callback: etcdserverpb.Auth.UserAddCallback): void;
        public userAdd(request: etcdserverpb.IAuthUserAddRequest): Promise<etcdserverpb.AuthUserAddResponse>;
        public userGet(request: etcdserverpb.IAuthUserGetRequest, callback: etcdserverpb.Auth.UserGetCallback): void;
        public userGet(request: etcdserverpb.IAuthUserGetRequest): Promise<etcdserverpb.AuthUserGetResponse>;
        public userList(request: etcdserverpb.IAuthUserListRequest, callback: etcdserverpb.Auth.UserListCallback): void;
        public userList(request: etcdserverpb.IAuthUserListRequest): Promise<etcdserverpb.AuthUserListResponse>;
        public userDelete(request: etcdserverpb.IAuthUserDeleteRequest, callback: etcdserverpb.Auth.UserDeleteCallback): void;
        public userDelete(request: etcdserverpb.IAuthUserDeleteRequest): Promise<etcdserverpb.AuthUserDeleteResponse>;
        public userChangePassword(request: etcdserverpb.IAuthUserChangePasswordRequest, callback: etcdserverpb.Auth.UserChangePasswordCallback): void;
        public userChangePassword(request: etcdserverpb.IAuthUserChangePasswordRequest): Promise<etcdserverpb.AuthUserChangePasswordResponse>;
        public userGrantRole(request: etcdserverpb.IAuthUserGrantRoleRequest, callback: etcdserverpb.Auth.UserGrantRoleCallback): void;
        public userGrantRole(request: etcdserverpb.IAuthUserGrantRoleRequest): Promise<etcdserverpb.AuthUserGrantRoleResponse>;
        public userRevokeRole(request: etcdserverpb.IAuthUserRevokeRoleRequest, callback: etcdserverpb.Auth.UserRevokeRoleCallback): void;
        public userRevokeRole(request: etcdserverpb.IAuthUserRevokeRoleRequest): Promise<etcdserverpb.AuthUserRevokeRoleResponse>;
        public roleAdd(request: etcdserverpb.IAuthRoleAddRequest, callback: etcdserverpb.Auth.RoleAddCallback): void;
        public roleAdd(request: etcdserverpb.IAuthRoleAddRequest): Promise<etcdserverpb.AuthRoleAddResponse>;
        public roleGet(request: etcdserverpb.IAuthRoleGetRequest, callback: etcdserverpb.Auth.RoleGetCallback): void;
        public roleGet(request: etcdserverpb.IAuthRoleGetRequest): Promise<etcdserverpb.AuthRoleGetResponse>;
        public roleList(request: etcdserverpb.IAuthRoleListRequest, callback: etcdserverpb.Auth.RoleListCallback): void;
        public roleList(request: etcdserverpb.IAuthRoleListRequest): Promise<etcdserverpb.AuthRoleListResponse>;
        public roleDelete(request: etcdserverpb.IAuthRoleDeleteRequest, callback: etcdserverpb.Auth.RoleDeleteCallback): void;
        public roleDelete(request: etcdserverpb.IAuthRoleDeleteRequest): Promise<etcdserverpb.AuthRoleDeleteResponse>;
        public roleGrantPermission(request: etcdserverpb.IAuthRoleGrantPermissionRequest, callback: etcdserverpb.Auth.RoleGrantPermissionCallback): void;
        public roleGrantPermission(request: etcdserverpb.IAuthRoleGrantPermissionRequest): Promise<etcdserverpb.AuthRoleGrantPermissionResponse>;
        public roleRevokePermission(request: etcdserverpb.IAuthRoleRevokePermissionRequest, callback: etcdserverpb.Auth.RoleRevokePermissionCallback): void;
        public roleRevokePermission(request: etcdserverpb.IAuthRoleRevokePermissionRequest): Promise<etcdserverpb.AuthRoleRevokePermissionResponse>;
    }

    namespace Auth {

        type AuthEnableCallback = (error: (Error|null), response?: etcdserverpb.AuthEnableResponse) => void;

        type AuthDisableCallback = (error: (Error|null), response?: etcdserverpb.AuthDisableResponse) => void;

        type AuthStatusCallback = (error: (Error|null), response?: etcdserverpb.AuthStatusResponse) => void;

        type AuthenticateCallback = (error: (Error|null), response?: etcdserverpb.AuthenticateResponse) => void;

        type UserAddCallback = (error: (Error|null), response?: etcdserverpb.AuthUserAddResponse) => void;

        type UserGetCallback = (error: (Error|null), response?: etcdserverpb.AuthUserGetResponse) => void;

        type UserListCallback = (error: (Error|null), response?: etcdserverpb.AuthUserListResponse) => void;

        type UserDeleteCallback = (error: (Error|null), response?: etcdserverpb.AuthUserDeleteResponse) => void;

        type UserChangePasswordCallback = (error: (Error|null), response?: etcdserverpb.AuthUserChangePasswordResponse) => void;

        type UserGrantRoleCallback = (error: (Error|null), response?: etcdserverpb.AuthUserGrantRoleResponse) => void;

        type UserRevokeRoleCallback = (error: (Error|null), response?: etcdserverpb.AuthUserRevokeRoleResponse) => void;

        type RoleAddCallback = (error: (Error|null), response?: etcdserverpb.AuthRoleAddResponse) => void;

        type RoleGetCallback = (error: (Error|null), response?: etcdserverpb.AuthRoleGetResponse) => void;

        type RoleListCallback = (error: (Error|null), response?: etcdserverpb.AuthRoleListResponse) => void;

        type RoleDeleteCallback = (error: (Error|null), response?: etcdserverpb.AuthRoleDeleteResponse) => void;

        type RoleGrantPermissionCallback = (error: (Error|null), response?: etcdserverpb.AuthRoleGrantPermissionResponse) => void;

        type RoleRevokePermissionCallback = (error: (Error|null), response?: etcdserverpb.AuthRoleRevokePermissionResponse) => void;
    }

    interface IResponseHeader {
        clusterId?: (number|Long|null);
        memberId?: (number|Long|null);
        revision?: (number|Long|null);
        raftTerm?: (number|Long|null);
    }

    class ResponseHeader implements IResponseHeader {
        constructor(properties?: etcdserverpb.IResponseHeader);
        public clusterId: (number|Long);
        public memberId: (number|Long);
        public revision: (number|Long);
        public raftTerm: (number|Long);
        public static create(properties?: etcdserverpb.IResponseHeader): etcdserverpb.ResponseHeader;
        public static encode(message: etcdserverpb.IResponseHeader, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IResponseHeader, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.ResponseHeader;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.ResponseHeader;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.ResponseHeader;
        public static toObject(message: etcdserverpb.ResponseHeader, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IRangeRequest {
        key?: (Uint8Array|null);
        rangeEnd?: (Uint8Array|null);
        limit?: (number|Long|null);
        revision?: (number|Long|null);
        sortOrder?: (etcdserverpb.RangeRequest.SortOrder|null);
        sortTarget?: (etcdserverpb.RangeRequest.SortTarget|null);
        serializable?: (boolean|null);
        keysOnly?: (boolean|null);
        countOnly?: (boolean|null);
        minModRevision?: (number|Long|null);
        maxModRevision?: (number|Long|null);
        minCreateRevision?: (number|Long|null);
        maxCreateRevision?: (number|Long|null);
    }

    class RangeRequest implements IRangeRequest {
        constructor(properties?: etcdserverpb.IRangeRequest);
        public key: Uint8Array;
        public rangeEnd: Uint8Array;
        public limit: (number|Long);
        public revision: (number|Long);
        public sortOrder: etcdserverpb.RangeRequest.SortOrder;
        public sortTarget: etcdserverpb.RangeRequest.SortTarget;
        public serializable: boolean;
        public keysOnly: boolean;
        public countOnly: boolean;
        public minModRevision: (number|Long);
        public maxModRevision: (number|Long);
        public minCreateRevision: (number|Long);
        public maxCreateRevision: (number|Long);
        public static create(properties?: etcdserverpb.IRangeRequest): etcdserverpb.RangeRequest;
        public static encode(message: etcdserverpb.IRangeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IRangeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.RangeRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.RangeRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.RangeRequest;
        public static toObject(message: etcdserverpb.RangeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace RangeRequest {

        enum SortOrder {
            NONE = 0,
            ASCEND = 1,
            DESCEND = 2
        }

        enum SortTarget {
            KEY = 0,
            VERSION = 1,
            CREATE = 2,
            MOD = 3,
            VALUE = 4
        }
    }

    interface IRangeResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        kvs?: (mvccpb.IKeyValue[]|null);
        more?: (boolean|null);
        count?: (number|Long|null);
    }

    class RangeResponse implements IRangeResponse {
        constructor(properties?: etcdserverpb.IRangeResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public kvs: mvccpb.IKeyValue[];
        public more: boolean;
        public count: (number|Long);
        public static create(properties?: etcdserverpb.IRangeResponse): etcdserverpb.RangeResponse;
        public static encode(message: etcdserverpb.IRangeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IRangeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.RangeResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.RangeResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.RangeResponse;
        public static toObject(message: etcdserverpb.RangeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IPutRequest {
        key?: (Uint8Array|null);
        value?: (Uint8Array|null);
        lease?: (number|Long|null);
        prevKv?: (boolean|null);
        ignoreValue?: (boolean|null);
        ignoreLease?: (boolean|null);
    }

    class PutRequest implements IPutRequest {
        constructor(properties?: etcdserverpb.IPutRequest);
        public key: Uint8Array;
        public value: Uint8Array;
        public lease: (number|Long);
        public prevKv: boolean;
        public ignoreValue: boolean;
        public ignoreLease: boolean;
        public static create(properties?: etcdserverpb.IPutRequest): etcdserverpb.PutRequest;
        public static encode(message: etcdserverpb.IPutRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IPutRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.PutRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.PutRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.PutRequest;
        public static toObject(message: etcdserverpb.PutRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IPutResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        prevKv?: (mvccpb.IKeyValue|null);
    }

    class PutResponse implements IPutResponse {
        constructor(properties?: etcdserverpb.IPutResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public prevKv?: (mvccpb.IKeyValue|null);
        public static create(properties?: etcdserverpb.IPutResponse): etcdserverpb.PutResponse;
        public static encode(message: etcdserverpb.IPutResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IPutResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.PutResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.PutResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.PutResponse;
        public static toObject(message: etcdserverpb.PutResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDeleteRangeRequest {
        key?: (Uint8Array|null);
        rangeEnd?: (Uint8Array|null);
        prevKv?: (boolean|null);
    }

    class DeleteRangeRequest implements IDeleteRangeRequest {
        constructor(properties?: etcdserverpb.IDeleteRangeRequest);
        public key: Uint8Array;
        public rangeEnd: Uint8Array;
        public prevKv: boolean;
        public static create(properties?: etcdserverpb.IDeleteRangeRequest): etcdserverpb.DeleteRangeRequest;
        public static encode(message: etcdserverpb.IDeleteRangeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDeleteRangeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DeleteRangeRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DeleteRangeRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DeleteRangeRequest;
        public static toObject(message: etcdserverpb.DeleteRangeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDeleteRangeResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        deleted?: (number|Long|null);
        prevKvs?: (mvccpb.IKeyValue[]|null);
    }

    class DeleteRangeResponse implements IDeleteRangeResponse {
        constructor(properties?: etcdserverpb.IDeleteRangeResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public deleted: (number|Long);
        public prevKvs: mvccpb.IKeyValue[];
        public static create(properties?: etcdserverpb.IDeleteRangeResponse): etcdserverpb.DeleteRangeResponse;
        public static encode(message: etcdserverpb.IDeleteRangeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDeleteRangeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DeleteRangeResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DeleteRangeResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DeleteRangeResponse;
        public static toObject(message: etcdserverpb.DeleteRangeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IRequestOp {
        requestRange?: (etcdserverpb.IRangeRequest|null);
        requestPut?: (etcdserverpb.IPutRequest|null);
        requestDeleteRange?: (etcdserverpb.IDeleteRangeRequest|null);
        requestTxn?: (etcdserverpb.ITxnRequest|null);
    }

    class RequestOp implements IRequestOp {
        constructor(properties?: etcdserverpb.IRequestOp);
        public requestRange?: (etcdserverpb.IRangeRequest|null);
        public requestPut?: (etcdserverpb.IPutRequest|null);
        public requestDeleteRange?: (etcdserverpb.IDeleteRangeRequest|null);
        public requestTxn?: (etcdserverpb.ITxnRequest|null);
        public request?: ("requestRange"|"requestPut"|"requestDeleteRange"|"requestTxn");
        public static create(properties?: etcdserverpb.IRequestOp): etcdserverpb.RequestOp;
        public static encode(message: etcdserverpb.IRequestOp, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IRequestOp, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.RequestOp;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.RequestOp;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.RequestOp;
        public static toObject(message: etcdserverpb.RequestOp, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IResponseOp {
        responseRange?: (etcdserverpb.IRangeResponse|null);
        responsePut?: (etcdserverpb.IPutResponse|null);
        responseDeleteRange?: (etcdserverpb.IDeleteRangeResponse|null);
        responseTxn?: (etcdserverpb.ITxnResponse|null);
    }

    class ResponseOp implements IResponseOp {
        constructor(properties?: etcdserverpb.IResponseOp);
        public responseRange?: (etcdserverpb.IRangeResponse|null);
        public responsePut?: (etcdserverpb.IPutResponse|null);
        public responseDeleteRange?: (etcdserverpb.IDeleteRangeResponse|null);
        public responseTxn?: (etcdserverpb.ITxnResponse|null);
        public response?: ("responseRange"|"responsePut"|"responseDeleteRange"|"responseTxn");
        public static create(properties?: etcdserverpb.IResponseOp): etcdserverpb.ResponseOp;
        public static encode(message: etcdserverpb.IResponseOp, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IResponseOp, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.ResponseOp;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.ResponseOp;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.ResponseOp;
        public static toObject(message: etcdserverpb.ResponseOp, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ICompare {
        result?: (etcdserverpb.Compare.CompareResult|null);
        target?: (etcdserverpb.Compare.CompareTarget|null);
        key?: (Uint8Array|null);
        version?: (number|Long|null);
        createRevision?: (number|Long|null);
        modRevision?: (number|Long|null);
        value?: (Uint8Array|null);
        lease?: (number|Long|null);
        rangeEnd?: (Uint8Array|null);
    }

    class Compare implements ICompare {
        constructor(properties?: etcdserverpb.ICompare);
        public result: etcdserverpb.Compare.CompareResult;
        public target: etcdserverpb.Compare.CompareTarget;
        public key: Uint8Array;
        public version?: (number|Long|null);
        public createRevision?: (number|Long|null);
        public modRevision?: (number|Long|null);
        public value?: (Uint8Array|null);
        public lease?: (number|Long|null);
        public rangeEnd: Uint8Array;
        public targetUnion?: ("version"|"createRevision"|"modRevision"|"value"|"lease");
        public static create(properties?: etcdserverpb.ICompare): etcdserverpb.Compare;
        public static encode(message: etcdserverpb.ICompare, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ICompare, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.Compare;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.Compare;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.Compare;
        public static toObject(message: etcdserverpb.Compare, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace Compare {

        enum CompareResult {
            EQUAL = 0,
            GREATER = 1,
            LESS = 2,
            NOT_EQUAL = 3
        }

        enum CompareTarget {
            VERSION = 0,
            CREATE = 1,
            MOD = 2,
            VALUE = 3,
            LEASE = 4
        }
    }

    interface ITxnRequest {
        compare?: (etcdserverpb.ICompare[]|null);
        success?: (etcdserverpb.IRequestOp[]|null);
        failure?: (etcdserverpb.IRequestOp[]|null);
    }

    class TxnRequest implements ITxnRequest {
        constructor(properties?: etcdserverpb.ITxnRequest);
        public compare: etcdserverpb.ICompare[];
        public success: etcdserverpb.IRequestOp[];
        public failure: etcdserverpb.IRequestOp[];
        public static create(properties?: etcdserverpb.ITxnRequest): etcdserverpb.TxnRequest;
        public static encode(message: etcdserverpb.ITxnRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ITxnRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.TxnRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.TxnRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.TxnRequest;
        public static toObject(message: etcdserverpb.TxnRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ITxnResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        succeeded?: (boolean|null);
        responses?: (etcdserverpb.IResponseOp[]|null);
    }

    class TxnResponse implements ITxnResponse {
        constructor(properties?: etcdserverpb.ITxnResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public succeeded: boolean;
        public responses: etcdserverpb.IResponseOp[];
        public static create(properties?: etcdserverpb.ITxnResponse): etcdserverpb.TxnResponse;
        public static encode(message: etcdserverpb.ITxnResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ITxnResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.TxnResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.TxnResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.TxnResponse;
        public static toObject(message: etcdserverpb.TxnResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ICompactionRequest {
        revision?: (number|Long|null);
        physical?: (boolean|null);
    }

    class CompactionRequest implements ICompactionRequest {
        constructor(properties?: etcdserverpb.ICompactionRequest);
        public revision: (number|Long);
        public physical: boolean;
        public static create(properties?: etcdserverpb.ICompactionRequest): etcdserverpb.CompactionRequest;
        public static encode(message: etcdserverpb.ICompactionRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ICompactionRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.CompactionRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.CompactionRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.CompactionRequest;
        public static toObject(message: etcdserverpb.CompactionRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ICompactionResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class CompactionResponse implements ICompactionResponse {
        constructor(properties?: etcdserverpb.ICompactionResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.ICompactionResponse): etcdserverpb.CompactionResponse;
        public static encode(message: etcdserverpb.ICompactionResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ICompactionResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.CompactionResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.CompactionResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.CompactionResponse;
        public static toObject(message: etcdserverpb.CompactionResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IHashRequest {
    }

    class HashRequest implements IHashRequest {
        constructor(properties?: etcdserverpb.IHashRequest);
        public static create(properties?: etcdserverpb.IHashRequest): etcdserverpb.HashRequest;
        public static encode(message: etcdserverpb.IHashRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IHashRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.HashRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.HashRequest;
        public static toObject(message: etcdserverpb.HashRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IHashKVRequest {
        revision?: (number|Long|null);
    }

    class HashKVRequest implements IHashKVRequest {
        constructor(properties?: etcdserverpb.IHashKVRequest);
        public revision: (number|Long);
        public static create(properties?: etcdserverpb.IHashKVRequest): etcdserverpb.HashKVRequest;
        public static encode(message: etcdserverpb.IHashKVRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IHashKVRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashKVRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.HashKVRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.HashKVRequest;
        public static toObject(message: etcdserverpb.HashKVRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IHashKVResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        hash?: (number|null);
        compactRevision?: (number|Long|null);
        hashRevision?: (number|Long|null);
    }

    class HashKVResponse implements IHashKVResponse {
        constructor(properties?: etcdserverpb.IHashKVResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public hash: number;
        public compactRevision: (number|Long);
        public hashRevision: (number|Long);
        public static create(properties?: etcdserverpb.IHashKVResponse): etcdserverpb.HashKVResponse;
        public static encode(message: etcdserverpb.IHashKVResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IHashKVResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashKVResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.HashKVResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.HashKVResponse;
        public static toObject(message: etcdserverpb.HashKVResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IHashResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        hash?: (number|null);
    }

    class HashResponse implements IHashResponse {
        constructor(properties?: etcdserverpb.IHashResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public hash: number;
        public static create(properties?: etcdserverpb.IHashResponse): etcdserverpb.HashResponse;
        public static encode(message: etcdserverpb.IHashResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IHashResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.HashResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.HashResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.HashResponse;
        public static toObject(message: etcdserverpb.HashResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ISnapshotRequest {
    }

    class SnapshotRequest implements ISnapshotRequest {
        constructor(properties?: etcdserverpb.ISnapshotRequest);
        public static create(properties?: etcdserverpb.ISnapshotRequest): etcdserverpb.SnapshotRequest;
        public static encode(message: etcdserverpb.ISnapshotRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ISnapshotRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.SnapshotRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.SnapshotRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.SnapshotRequest;
        public static toObject(message: etcdserverpb.SnapshotRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ISnapshotResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        remainingBytes?: (number|Long|null);
        blob?: (Uint8Array|null);
        version?: (string|null);
    }

    class SnapshotResponse implements ISnapshotResponse {
        constructor(properties?: etcdserverpb.ISnapshotResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public remainingBytes: (number|Long);
        public blob: Uint8Array;
        public version: string;
        public static create(properties?: etcdserverpb.ISnapshotResponse): etcdserverpb.SnapshotResponse;
        public static encode(message: etcdserverpb.ISnapshotResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ISnapshotResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.SnapshotResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.SnapshotResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.SnapshotResponse;
        public static toObject(message: etcdserverpb.SnapshotResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IWatchRequest {
        createRequest?: (etcdserverpb.IWatchCreateRequest|null);
        cancelRequest?: (etcdserverpb.IWatchCancelRequest|null);
        progressRequest?: (etcdserverpb.IWatchProgressRequest|null);
    }

    class WatchRequest implements IWatchRequest {
        constructor(properties?: etcdserverpb.IWatchRequest);
        public createRequest?: (etcdserverpb.IWatchCreateRequest|null);
        public cancelRequest?: (etcdserverpb.IWatchCancelRequest|null);
        public progressRequest?: (etcdserverpb.IWatchProgressRequest|null);
        public requestUnion?: ("createRequest"|"cancelRequest"|"progressRequest");
        public static create(properties?: etcdserverpb.IWatchRequest): etcdserverpb.WatchRequest;
        public static encode(message: etcdserverpb.IWatchRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IWatchRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.WatchRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.WatchRequest;
        public static toObject(message: etcdserverpb.WatchRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IWatchCreateRequest {
        key?: (Uint8Array|null);
        rangeEnd?: (Uint8Array|null);
        startRevision?: (number|Long|null);
        progressNotify?: (boolean|null);
        filters?: (etcdserverpb.WatchCreateRequest.FilterType[]|null);
        prevKv?: (boolean|null);
        watchId?: (number|Long|null);
        fragment?: (boolean|null);
    }

    class WatchCreateRequest implements IWatchCreateRequest {
        constructor(properties?: etcdserverpb.IWatchCreateRequest);
        public key: Uint8Array;
        public rangeEnd: Uint8Array;
        public startRevision: (number|Long);
        public progressNotify: boolean;
        public filters: etcdserverpb.WatchCreateRequest.FilterType[];
        public prevKv: boolean;
        public watchId: (number|Long);
        public fragment: boolean;
        public static create(properties?: etcdserverpb.IWatchCreateRequest): etcdserverpb.WatchCreateRequest;
        public static encode(message: etcdserverpb.IWatchCreateRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IWatchCreateRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchCreateRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.WatchCreateRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.WatchCreateRequest;
        public static toObject(message: etcdserverpb.WatchCreateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace WatchCreateRequest {

        enum FilterType {
            NOPUT = 0,
            NODELETE = 1
        }
    }

    interface IWatchCancelRequest {
        watchId?: (number|Long|null);
    }

    class WatchCancelRequest implements IWatchCancelRequest {
        constructor(properties?: etcdserverpb.IWatchCancelRequest);
        public watchId: (number|Long);
        public static create(properties?: etcdserverpb.IWatchCancelRequest): etcdserverpb.WatchCancelRequest;
        public static encode(message: etcdserverpb.IWatchCancelRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IWatchCancelRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchCancelRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.WatchCancelRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.WatchCancelRequest;
        public static toObject(message: etcdserverpb.WatchCancelRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IWatchProgressRequest {
    }

    class WatchProgressRequest implements IWatchProgressRequest {
        constructor(properties?: etcdserverpb.IWatchProgressRequest);
        public static create(properties?: etcdserverpb.IWatchProgressRequest): etcdserverpb.WatchProgressRequest;
        public static encode(message: etcdserverpb.IWatchProgressRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IWatchProgressRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchProgressRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.WatchProgressRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.WatchProgressRequest;
        public static toObject(message: etcdserverpb.WatchProgressRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IWatchResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        watchId?: (number|Long|null);
        created?: (boolean|null);
        canceled?: (boolean|null);
        compactRevision?: (number|Long|null);
        cancelReason?: (string|null);
        fragment?: (boolean|null);
        events?: (mvccpb.IEvent[]|null);
    }

    class WatchResponse implements IWatchResponse {
        constructor(properties?: etcdserverpb.IWatchResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public watchId: (number|Long);
        public created: boolean;
        public canceled: boolean;
        public compactRevision: (number|Long);
        public cancelReason: string;
        public fragment: boolean;
        public events: mvccpb.IEvent[];
        public static create(properties?: etcdserverpb.IWatchResponse): etcdserverpb.WatchResponse;
        public static encode(message: etcdserverpb.IWatchResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IWatchResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.WatchResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.WatchResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.WatchResponse;
        public static toObject(message: etcdserverpb.WatchResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseGrantRequest {
        TTL?: (number|Long|null);
        ID?: (number|Long|null);
    }

    class LeaseGrantRequest implements ILeaseGrantRequest {
        constructor(properties?: etcdserverpb.ILeaseGrantRequest);
        public TTL: (number|Long);
        public ID: (number|Long);
        public static create(properties?: etcdserverpb.ILeaseGrantRequest): etcdserverpb.LeaseGrantRequest;
        public static encode(message: etcdserverpb.ILeaseGrantRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseGrantRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseGrantRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseGrantRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseGrantRequest;
        public static toObject(message: etcdserverpb.LeaseGrantRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseGrantResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        ID?: (number|Long|null);
        TTL?: (number|Long|null);
        error?: (string|null);
    }

    class LeaseGrantResponse implements ILeaseGrantResponse {
        constructor(properties?: etcdserverpb.ILeaseGrantResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public ID: (number|Long);
        public TTL: (number|Long);
        public error: string;
        public static create(properties?: etcdserverpb.ILeaseGrantResponse): etcdserverpb.LeaseGrantResponse;
        public static encode(message: etcdserverpb.ILeaseGrantResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseGrantResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseGrantResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseGrantResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseGrantResponse;
        public static toObject(message: etcdserverpb.LeaseGrantResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseRevokeRequest {
        ID?: (number|Long|null);
    }

    class LeaseRevokeRequest implements ILeaseRevokeRequest {
        constructor(properties?: etcdserverpb.ILeaseRevokeRequest);
        public ID: (number|Long);
        public static create(properties?: etcdserverpb.ILeaseRevokeRequest): etcdserverpb.LeaseRevokeRequest;
        public static encode(message: etcdserverpb.ILeaseRevokeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseRevokeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseRevokeRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseRevokeRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseRevokeRequest;
        public static toObject(message: etcdserverpb.LeaseRevokeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseRevokeResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class LeaseRevokeResponse implements ILeaseRevokeResponse {
        constructor(properties?: etcdserverpb.ILeaseRevokeResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.ILeaseRevokeResponse): etcdserverpb.LeaseRevokeResponse;
        public static encode(message: etcdserverpb.ILeaseRevokeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseRevokeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseRevokeResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseRevokeResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseRevokeResponse;
        public static toObject(message: etcdserverpb.LeaseRevokeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseCheckpoint {
        ID?: (number|Long|null);
        remaining_TTL?: (number|Long|null);
    }

    class LeaseCheckpoint implements ILeaseCheckpoint {
        constructor(properties?: etcdserverpb.ILeaseCheckpoint);
        public ID: (number|Long);
        public remaining_TTL: (number|Long);
        public static create(properties?: etcdserverpb.ILeaseCheckpoint): etcdserverpb.LeaseCheckpoint;
        public static encode(message: etcdserverpb.ILeaseCheckpoint, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseCheckpoint, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseCheckpoint;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseCheckpoint;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseCheckpoint;
        public static toObject(message: etcdserverpb.LeaseCheckpoint, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseCheckpointRequest {
        checkpoints?: (etcdserverpb.ILeaseCheckpoint[]|null);
    }

    class LeaseCheckpointRequest implements ILeaseCheckpointRequest {
        constructor(properties?: etcdserverpb.ILeaseCheckpointRequest);
        public checkpoints: etcdserverpb.ILeaseCheckpoint[];
        public static create(properties?: etcdserverpb.ILeaseCheckpointRequest): etcdserverpb.LeaseCheckpointRequest;
        public static encode(message: etcdserverpb.ILeaseCheckpointRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseCheckpointRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseCheckpointRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseCheckpointRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseCheckpointRequest;
        public static toObject(message: etcdserverpb.LeaseCheckpointRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseCheckpointResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class LeaseCheckpointResponse implements ILeaseCheckpointResponse {
        constructor(properties?: etcdserverpb.ILeaseCheckpointResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.ILeaseCheckpointResponse): etcdserverpb.LeaseCheckpointResponse;
        public static encode(message: etcdserverpb.ILeaseCheckpointResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseCheckpointResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseCheckpointResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseCheckpointResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseCheckpointResponse;
        public static toObject(message: etcdserverpb.LeaseCheckpointResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseKeepAliveRequest {
        ID?: (number|Long|null);
    }

    class LeaseKeepAliveRequest implements ILeaseKeepAliveRequest {
        constructor(properties?: etcdserverpb.ILeaseKeepAliveRequest);
        public ID: (number|Long);
        public static create(properties?: etcdserverpb.ILeaseKeepAliveRequest): etcdserverpb.LeaseKeepAliveRequest;
        public static encode(message: etcdserverpb.ILeaseKeepAliveRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseKeepAliveRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseKeepAliveRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseKeepAliveRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseKeepAliveRequest;
        public static toObject(message: etcdserverpb.LeaseKeepAliveRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseKeepAliveResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        ID?: (number|Long|null);
        TTL?: (number|Long|null);
    }

    class LeaseKeepAliveResponse implements ILeaseKeepAliveResponse {
        constructor(properties?: etcdserverpb.ILeaseKeepAliveResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public ID: (number|Long);
        public TTL: (number|Long);
        public static create(properties?: etcdserverpb.ILeaseKeepAliveResponse): etcdserverpb.LeaseKeepAliveResponse;
        public static encode(message: etcdserverpb.ILeaseKeepAliveResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseKeepAliveResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseKeepAliveResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseKeepAliveResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseKeepAliveResponse;
        public static toObject(message: etcdserverpb.LeaseKeepAliveResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseTimeToLiveRequest {
        ID?: (number|Long|null);
        keys?: (boolean|null);
    }

    class LeaseTimeToLiveRequest implements ILeaseTimeToLiveRequest {
        constructor(properties?: etcdserverpb.ILeaseTimeToLiveRequest);
        public ID: (number|Long);
        public keys: boolean;
        public static create(properties?: etcdserverpb.ILeaseTimeToLiveRequest): etcdserverpb.LeaseTimeToLiveRequest;
        public static encode(message: etcdserverpb.ILeaseTimeToLiveRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseTimeToLiveRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseTimeToLiveRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseTimeToLiveRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseTimeToLiveRequest;
        public static toObject(message: etcdserverpb.LeaseTimeToLiveRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseTimeToLiveResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        ID?: (number|Long|null);
        TTL?: (number|Long|null);
        grantedTTL?: (number|Long|null);
        keys?: (Uint8Array[]|null);
    }

    class LeaseTimeToLiveResponse implements ILeaseTimeToLiveResponse {
        constructor(properties?: etcdserverpb.ILeaseTimeToLiveResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public ID: (number|Long);
        public TTL: (number|Long);
        public grantedTTL: (number|Long);
        public keys: Uint8Array[];
        public static create(properties?: etcdserverpb.ILeaseTimeToLiveResponse): etcdserverpb.LeaseTimeToLiveResponse;
        public static encode(message: etcdserverpb.ILeaseTimeToLiveResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseTimeToLiveResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseTimeToLiveResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseTimeToLiveResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseTimeToLiveResponse;
        public static toObject(message: etcdserverpb.LeaseTimeToLiveResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseLeasesRequest {
    }

    class LeaseLeasesRequest implements ILeaseLeasesRequest {
        constructor(properties?: etcdserverpb.ILeaseLeasesRequest);
        public static create(properties?: etcdserverpb.ILeaseLeasesRequest): etcdserverpb.LeaseLeasesRequest;
        public static encode(message: etcdserverpb.ILeaseLeasesRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseLeasesRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseLeasesRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseLeasesRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseLeasesRequest;
        public static toObject(message: etcdserverpb.LeaseLeasesRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseStatus {
        ID?: (number|Long|null);
    }

    class LeaseStatus implements ILeaseStatus {
        constructor(properties?: etcdserverpb.ILeaseStatus);
        public ID: (number|Long);
        public static create(properties?: etcdserverpb.ILeaseStatus): etcdserverpb.LeaseStatus;
        public static encode(message: etcdserverpb.ILeaseStatus, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseStatus, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseStatus;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseStatus;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseStatus;
        public static toObject(message: etcdserverpb.LeaseStatus, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaseLeasesResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        leases?: (etcdserverpb.ILeaseStatus[]|null);
    }

    class LeaseLeasesResponse implements ILeaseLeasesResponse {
        constructor(properties?: etcdserverpb.ILeaseLeasesResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public leases: etcdserverpb.ILeaseStatus[];
        public static create(properties?: etcdserverpb.ILeaseLeasesResponse): etcdserverpb.LeaseLeasesResponse;
        public static encode(message: etcdserverpb.ILeaseLeasesResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.ILeaseLeasesResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.LeaseLeasesResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.LeaseLeasesResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.LeaseLeasesResponse;
        public static toObject(message: etcdserverpb.LeaseLeasesResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMember {
        ID?: (number|Long|null);
        name?: (string|null);
        peerURLs?: (string[]|null);
        clientURLs?: (string[]|null);
        isLearner?: (boolean|null);
    }

    class Member implements IMember {
        constructor(properties?: etcdserverpb.IMember);
        public ID: (number|Long);
        public name: string;
        public peerURLs: string[];
        public clientURLs: string[];
        public isLearner: boolean;
        public static create(properties?: etcdserverpb.IMember): etcdserverpb.Member;
        public static encode(message: etcdserverpb.IMember, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMember, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.Member;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.Member;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.Member;
        public static toObject(message: etcdserverpb.Member, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberAddRequest {
        peerURLs?: (string[]|null);
        isLearner?: (boolean|null);
    }

    class MemberAddRequest implements IMemberAddRequest {
        constructor(properties?: etcdserverpb.IMemberAddRequest);
        public peerURLs: string[];
        public isLearner: boolean;
        public static create(properties?: etcdserverpb.IMemberAddRequest): etcdserverpb.MemberAddRequest;
        public static encode(message: etcdserverpb.IMemberAddRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberAddRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberAddRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberAddRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberAddRequest;
        public static toObject(message: etcdserverpb.MemberAddRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberAddResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        member?: (etcdserverpb.IMember|null);
        members?: (etcdserverpb.IMember[]|null);
    }

    class MemberAddResponse implements IMemberAddResponse {
        constructor(properties?: etcdserverpb.IMemberAddResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public member?: (etcdserverpb.IMember|null);
        public members: etcdserverpb.IMember[];
        public static create(properties?: etcdserverpb.IMemberAddResponse): etcdserverpb.MemberAddResponse;
        public static encode(message: etcdserverpb.IMemberAddResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberAddResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberAddResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberAddResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberAddResponse;
        public static toObject(message: etcdserverpb.MemberAddResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberRemoveRequest {
        ID?: (number|Long|null);
    }

    class MemberRemoveRequest implements IMemberRemoveRequest {
        constructor(properties?: etcdserverpb.IMemberRemoveRequest);
        public ID: (number|Long);
        public static create(properties?: etcdserverpb.IMemberRemoveRequest): etcdserverpb.MemberRemoveRequest;
        public static encode(message: etcdserverpb.IMemberRemoveRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberRemoveRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberRemoveRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberRemoveRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberRemoveRequest;
        public static toObject(message: etcdserverpb.MemberRemoveRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberRemoveResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        members?: (etcdserverpb.IMember[]|null);
    }

    class MemberRemoveResponse implements IMemberRemoveResponse {
        constructor(properties?: etcdserverpb.IMemberRemoveResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public members: etcdserverpb.IMember[];
        public static create(properties?: etcdserverpb.IMemberRemoveResponse): etcdserverpb.MemberRemoveResponse;
        public static encode(message: etcdserverpb.IMemberRemoveResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberRemoveResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberRemoveResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberRemoveResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberRemoveResponse;
        public static toObject(message: etcdserverpb.MemberRemoveResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberUpdateRequest {
        ID?: (number|Long|null);
        peerURLs?: (string[]|null);
    }

    class MemberUpdateRequest implements IMemberUpdateRequest {
        constructor(properties?: etcdserverpb.IMemberUpdateRequest);
        public ID: (number|Long);
        public peerURLs: string[];
        public static create(properties?: etcdserverpb.IMemberUpdateRequest): etcdserverpb.MemberUpdateRequest;
        public static encode(message: etcdserverpb.IMemberUpdateRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberUpdateRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberUpdateRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberUpdateRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberUpdateRequest;
        public static toObject(message: etcdserverpb.MemberUpdateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberUpdateResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        members?: (etcdserverpb.IMember[]|null);
    }

    class MemberUpdateResponse implements IMemberUpdateResponse {
        constructor(properties?: etcdserverpb.IMemberUpdateResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public members: etcdserverpb.IMember[];
        public static create(properties?: etcdserverpb.IMemberUpdateResponse): etcdserverpb.MemberUpdateResponse;
        public static encode(message: etcdserverpb.IMemberUpdateResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberUpdateResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberUpdateResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberUpdateResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberUpdateResponse;
        public static toObject(message: etcdserverpb.MemberUpdateResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberListRequest {
        linearizable?: (boolean|null);
    }

    class MemberListRequest implements IMemberListRequest {
        constructor(properties?: etcdserverpb.IMemberListRequest);
        public linearizable: boolean;
        public static create(properties?: etcdserverpb.IMemberListRequest): etcdserverpb.MemberListRequest;
        public static encode(message: etcdserverpb.IMemberListRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberListRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberListRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberListRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberListRequest;
        public static toObject(message: etcdserverpb.MemberListRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberListResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        members?: (etcdserverpb.IMember[]|null);
    }

    class MemberListResponse implements IMemberListResponse {
        constructor(properties?: etcdserverpb.IMemberListResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public members: etcdserverpb.IMember[];
        public static create(properties?: etcdserverpb.IMemberListResponse): etcdserverpb.MemberListResponse;
        public static encode(message: etcdserverpb.IMemberListResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberListResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberListResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberListResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberListResponse;
        public static toObject(message: etcdserverpb.MemberListResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberPromoteRequest {
        ID?: (number|Long|null);
    }

    class MemberPromoteRequest implements IMemberPromoteRequest {
        constructor(properties?: etcdserverpb.IMemberPromoteRequest);
        public ID: (number|Long);
        public static create(properties?: etcdserverpb.IMemberPromoteRequest): etcdserverpb.MemberPromoteRequest;
        public static encode(message: etcdserverpb.IMemberPromoteRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberPromoteRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberPromoteRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberPromoteRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberPromoteRequest;
        public static toObject(message: etcdserverpb.MemberPromoteRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMemberPromoteResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        members?: (etcdserverpb.IMember[]|null);
    }

    class MemberPromoteResponse implements IMemberPromoteResponse {
        constructor(properties?: etcdserverpb.IMemberPromoteResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public members: etcdserverpb.IMember[];
        public static create(properties?: etcdserverpb.IMemberPromoteResponse): etcdserverpb.MemberPromoteResponse;
        public static encode(message: etcdserverpb.IMemberPromoteResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMemberPromoteResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MemberPromoteResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MemberPromoteResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MemberPromoteResponse;
        public static toObject(message: etcdserverpb.MemberPromoteResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDefragmentRequest {
    }

    class DefragmentRequest implements IDefragmentRequest {
        constructor(properties?: etcdserverpb.IDefragmentRequest);
        public static create(properties?: etcdserverpb.IDefragmentRequest): etcdserverpb.DefragmentRequest;
        public static encode(message: etcdserverpb.IDefragmentRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDefragmentRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DefragmentRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DefragmentRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DefragmentRequest;
        public static toObject(message: etcdserverpb.DefragmentRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDefragmentResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class DefragmentResponse implements IDefragmentResponse {
        constructor(properties?: etcdserverpb.IDefragmentResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IDefragmentResponse): etcdserverpb.DefragmentResponse;
        public static encode(message: etcdserverpb.IDefragmentResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDefragmentResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DefragmentResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DefragmentResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DefragmentResponse;
        public static toObject(message: etcdserverpb.DefragmentResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMoveLeaderRequest {
        targetID?: (number|Long|null);
    }

    class MoveLeaderRequest implements IMoveLeaderRequest {
        constructor(properties?: etcdserverpb.IMoveLeaderRequest);
        public targetID: (number|Long);
        public static create(properties?: etcdserverpb.IMoveLeaderRequest): etcdserverpb.MoveLeaderRequest;
        public static encode(message: etcdserverpb.IMoveLeaderRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMoveLeaderRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MoveLeaderRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MoveLeaderRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MoveLeaderRequest;
        public static toObject(message: etcdserverpb.MoveLeaderRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IMoveLeaderResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class MoveLeaderResponse implements IMoveLeaderResponse {
        constructor(properties?: etcdserverpb.IMoveLeaderResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IMoveLeaderResponse): etcdserverpb.MoveLeaderResponse;
        public static encode(message: etcdserverpb.IMoveLeaderResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IMoveLeaderResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.MoveLeaderResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.MoveLeaderResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.MoveLeaderResponse;
        public static toObject(message: etcdserverpb.MoveLeaderResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    enum AlarmType {
        NONE = 0,
        NOSPACE = 1,
        CORRUPT = 2
    }

    interface IAlarmRequest {
        action?: (etcdserverpb.AlarmRequest.AlarmAction|null);
        memberID?: (number|Long|null);
        alarm?: (etcdserverpb.AlarmType|null);
    }

    class AlarmRequest implements IAlarmRequest {
        constructor(properties?: etcdserverpb.IAlarmRequest);
        public action: etcdserverpb.AlarmRequest.AlarmAction;
        public memberID: (number|Long);
        public alarm: etcdserverpb.AlarmType;
        public static create(properties?: etcdserverpb.IAlarmRequest): etcdserverpb.AlarmRequest;
        public static encode(message: etcdserverpb.IAlarmRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAlarmRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AlarmRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AlarmRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AlarmRequest;
        public static toObject(message: etcdserverpb.AlarmRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace AlarmRequest {

        enum AlarmAction {
            GET = 0,
            ACTIVATE = 1,
            DEACTIVATE = 2
        }
    }

    interface IAlarmMember {
        memberID?: (number|Long|null);
        alarm?: (etcdserverpb.AlarmType|null);
    }

    class AlarmMember implements IAlarmMember {
        constructor(properties?: etcdserverpb.IAlarmMember);
        public memberID: (number|Long);
        public alarm: etcdserverpb.AlarmType;
        public static create(properties?: etcdserverpb.IAlarmMember): etcdserverpb.AlarmMember;
        public static encode(message: etcdserverpb.IAlarmMember, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAlarmMember, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AlarmMember;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AlarmMember;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AlarmMember;
        public static toObject(message: etcdserverpb.AlarmMember, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAlarmResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        alarms?: (etcdserverpb.IAlarmMember[]|null);
    }

    class AlarmResponse implements IAlarmResponse {
        constructor(properties?: etcdserverpb.IAlarmResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public alarms: etcdserverpb.IAlarmMember[];
        public static create(properties?: etcdserverpb.IAlarmResponse): etcdserverpb.AlarmResponse;
        public static encode(message: etcdserverpb.IAlarmResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAlarmResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AlarmResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AlarmResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AlarmResponse;
        public static toObject(message: etcdserverpb.AlarmResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDowngradeRequest {
        action?: (etcdserverpb.DowngradeRequest.DowngradeAction|null);
        version?: (string|null);
    }

    class DowngradeRequest implements IDowngradeRequest {
        constructor(properties?: etcdserverpb.IDowngradeRequest);
        public action: etcdserverpb.DowngradeRequest.DowngradeAction;
        public version: string;
        public static create(properties?: etcdserverpb.IDowngradeRequest): etcdserverpb.DowngradeRequest;
        public static encode(message: etcdserverpb.IDowngradeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDowngradeRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DowngradeRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DowngradeRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DowngradeRequest;
        public static toObject(message: etcdserverpb.DowngradeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    namespace DowngradeRequest {

        enum DowngradeAction {
            VALIDATE = 0,
            ENABLE = 1,
            CANCEL = 2
        }
    }

    interface IDowngradeResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        version?: (string|null);
    }

    class DowngradeResponse implements IDowngradeResponse {
        constructor(properties?: etcdserverpb.IDowngradeResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public version: string;
        public static create(properties?: etcdserverpb.IDowngradeResponse): etcdserverpb.DowngradeResponse;
        public static encode(message: etcdserverpb.IDowngradeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDowngradeResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DowngradeResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DowngradeResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DowngradeResponse;
        public static toObject(message: etcdserverpb.DowngradeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDowngradeVersionTestRequest {
        ver?: (string|null);
    }

    class DowngradeVersionTestRequest implements IDowngradeVersionTestRequest {
        constructor(properties?: etcdserverpb.IDowngradeVersionTestRequest);
        public ver: string;
        public static create(properties?: etcdserverpb.IDowngradeVersionTestRequest): etcdserverpb.DowngradeVersionTestRequest;
        public static encode(message: etcdserverpb.IDowngradeVersionTestRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDowngradeVersionTestRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DowngradeVersionTestRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DowngradeVersionTestRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DowngradeVersionTestRequest;
        public static toObject(message: etcdserverpb.DowngradeVersionTestRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IStatusRequest {
    }

    class StatusRequest implements IStatusRequest {
        constructor(properties?: etcdserverpb.IStatusRequest);
        public static create(properties?: etcdserverpb.IStatusRequest): etcdserverpb.StatusRequest;
        public static encode(message: etcdserverpb.IStatusRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IStatusRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.StatusRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.StatusRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.StatusRequest;
        public static toObject(message: etcdserverpb.StatusRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IStatusResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        version?: (string|null);
        dbSize?: (number|Long|null);
        leader?: (number|Long|null);
        raftIndex?: (number|Long|null);
        raftTerm?: (number|Long|null);
        raftAppliedIndex?: (number|Long|null);
        errors?: (string[]|null);
        dbSizeInUse?: (number|Long|null);
        isLearner?: (boolean|null);
        storageVersion?: (string|null);
        dbSizeQuota?: (number|Long|null);
        downgradeInfo?: (etcdserverpb.IDowngradeInfo|null);
    }

    class StatusResponse implements IStatusResponse {
        constructor(properties?: etcdserverpb.IStatusResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public version: string;
        public dbSize: (number|Long);
        public leader: (number|Long);
        public raftIndex: (number|Long);
        public raftTerm: (number|Long);
        public raftAppliedIndex: (number|Long);
        public errors: string[];
        public dbSizeInUse: (number|Long);
        public isLearner: boolean;
        public storageVersion: string;
        public dbSizeQuota: (number|Long);
        public downgradeInfo?: (etcdserverpb.IDowngradeInfo|null);
        public static create(properties?: etcdserverpb.IStatusResponse): etcdserverpb.StatusResponse;
        public static encode(message: etcdserverpb.IStatusResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IStatusResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.StatusResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.StatusResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.StatusResponse;
        public static toObject(message: etcdserverpb.StatusResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IDowngradeInfo {
        enabled?: (boolean|null);
        targetVersion?: (string|null);
    }

    class DowngradeInfo implements IDowngradeInfo {
        constructor(properties?: etcdserverpb.IDowngradeInfo);
        public enabled: boolean;
        public targetVersion: string;
        public static create(properties?: etcdserverpb.IDowngradeInfo): etcdserverpb.DowngradeInfo;
        public static encode(message: etcdserverpb.IDowngradeInfo, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IDowngradeInfo, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.DowngradeInfo;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.DowngradeInfo;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.DowngradeInfo;
        public static toObject(message: etcdserverpb.DowngradeInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthEnableRequest {
    }

    class AuthEnableRequest implements IAuthEnableRequest {
        constructor(properties?: etcdserverpb.IAuthEnableRequest);
        public static create(properties?: etcdserverpb.IAuthEnableRequest): etcdserverpb.AuthEnableRequest;
        public static encode(message: etcdserverpb.IAuthEnableRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthEnableRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthEnableRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthEnableRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthEnableRequest;
        public static toObject(message: etcdserverpb.AuthEnableRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthDisableRequest {
    }

    class AuthDisableRequest implements IAuthDisableRequest {
        constructor(properties?: etcdserverpb.IAuthDisableRequest);
        public static create(properties?: etcdserverpb.IAuthDisableRequest): etcdserverpb.AuthDisableRequest;
        public static encode(message: etcdserverpb.IAuthDisableRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthDisableRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthDisableRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthDisableRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthDisableRequest;
        public static toObject(message: etcdserverpb.AuthDisableRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthStatusRequest {
    }

    class AuthStatusRequest implements IAuthStatusRequest {
        constructor(properties?: etcdserverpb.IAuthStatusRequest);
        public static create(properties?: etcdserverpb.IAuthStatusRequest): etcdserverpb.AuthStatusRequest;
        public static encode(message: etcdserverpb.IAuthStatusRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthStatusRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthStatusRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthStatusRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthStatusRequest;
        public static toObject(message: etcdserverpb.AuthStatusRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthenticateRequest {
        name?: (string|null);
        password?: (string|null);
    }

    class AuthenticateRequest implements IAuthenticateRequest {
        constructor(properties?: etcdserverpb.IAuthenticateRequest);
        public name: string;
        public password: string;
        public static create(properties?: etcdserverpb.IAuthenticateRequest): etcdserverpb.AuthenticateRequest;
        public static encode(message: etcdserverpb.IAuthenticateRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthenticateRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthenticateRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthenticateRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthenticateRequest;
        public static toObject(message: etcdserverpb.AuthenticateRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserAddRequest {
        name?: (string|null);
        password?: (string|null);
        options?: (authpb.IUserAddOptions|null);
        hashedPassword?: (string|null);
    }

    class AuthUserAddRequest implements IAuthUserAddRequest {
        constructor(properties?: etcdserverpb.IAuthUserAddRequest);
        public name: string;
        public password: string;
        public options?: (authpb.IUserAddOptions|null);
        public hashedPassword: string;
        public static create(properties?: etcdserverpb.IAuthUserAddRequest): etcdserverpb.AuthUserAddRequest;
        public static encode(message: etcdserverpb.IAuthUserAddRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserAddRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserAddRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserAddRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserAddRequest;
        public static toObject(message: etcdserverpb.AuthUserAddRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserGetRequest {
        name?: (string|null);
    }

    class AuthUserGetRequest implements IAuthUserGetRequest {
        constructor(properties?: etcdserverpb.IAuthUserGetRequest);
        public name: string;
        public static create(properties?: etcdserverpb.IAuthUserGetRequest): etcdserverpb.AuthUserGetRequest;
        public static encode(message: etcdserverpb.IAuthUserGetRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserGetRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGetRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserGetRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGetRequest;
        public static toObject(message: etcdserverpb.AuthUserGetRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserDeleteRequest {
        name?: (string|null);
    }

    class AuthUserDeleteRequest implements IAuthUserDeleteRequest {
        constructor(properties?: etcdserverpb.IAuthUserDeleteRequest);
        public name: string;
        public static create(properties?: etcdserverpb.IAuthUserDeleteRequest): etcdserverpb.AuthUserDeleteRequest;
        public static encode(message: etcdserverpb.IAuthUserDeleteRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserDeleteRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserDeleteRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserDeleteRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserDeleteRequest;
        public static toObject(message: etcdserverpb.AuthUserDeleteRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserChangePasswordRequest {
        name?: (string|null);
        password?: (string|null);
        hashedPassword?: (string|null);
    }

    class AuthUserChangePasswordRequest implements IAuthUserChangePasswordRequest {
        constructor(properties?: etcdserverpb.IAuthUserChangePasswordRequest);
        public name: string;
        public password: string;
        public hashedPassword: string;
        public static create(properties?: etcdserverpb.IAuthUserChangePasswordRequest): etcdserverpb.AuthUserChangePasswordRequest;
        public static encode(message: etcdserverpb.IAuthUserChangePasswordRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserChangePasswordRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserChangePasswordRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserChangePasswordRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserChangePasswordRequest;
        public static toObject(message: etcdserverpb.AuthUserChangePasswordRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserGrantRoleRequest {
        user?: (string|null);
        role?: (string|null);
    }

    class AuthUserGrantRoleRequest implements IAuthUserGrantRoleRequest {
        constructor(properties?: etcdserverpb.IAuthUserGrantRoleRequest);
        public user: string;
        public role: string;
        public static create(properties?: etcdserverpb.IAuthUserGrantRoleRequest): etcdserverpb.AuthUserGrantRoleRequest;
        public static encode(message: etcdserverpb.IAuthUserGrantRoleRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserGrantRoleRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGrantRoleRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserGrantRoleRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGrantRoleRequest;
        public static toObject(message: etcdserverpb.AuthUserGrantRoleRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserRevokeRoleRequest {
        name?: (string|null);
        role?: (string|null);
    }

    class AuthUserRevokeRoleRequest implements IAuthUserRevokeRoleRequest {
        constructor(properties?: etcdserverpb.IAuthUserRevokeRoleRequest);
        public name: string;
        public role: string;
        public static create(properties?: etcdserverpb.IAuthUserRevokeRoleRequest): etcdserverpb.AuthUserRevokeRoleRequest;
        public static encode(message: etcdserverpb.IAuthUserRevokeRoleRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserRevokeRoleRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserRevokeRoleRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserRevokeRoleRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserRevokeRoleRequest;
        public static toObject(message: etcdserverpb.AuthUserRevokeRoleRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleAddRequest {
        name?: (string|null);
    }

    class AuthRoleAddRequest implements IAuthRoleAddRequest {
        constructor(properties?: etcdserverpb.IAuthRoleAddRequest);
        public name: string;
        public static create(properties?: etcdserverpb.IAuthRoleAddRequest): etcdserverpb.AuthRoleAddRequest;
        public static encode(message: etcdserverpb.IAuthRoleAddRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleAddRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleAddRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleAddRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleAddRequest;
        public static toObject(message: etcdserverpb.AuthRoleAddRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleGetRequest {
        role?: (string|null);
    }

    class AuthRoleGetRequest implements IAuthRoleGetRequest {
        constructor(properties?: etcdserverpb.IAuthRoleGetRequest);
        public role: string;
        public static create(properties?: etcdserverpb.IAuthRoleGetRequest): etcdserverpb.AuthRoleGetRequest;
        public static encode(message: etcdserverpb.IAuthRoleGetRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleGetRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGetRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleGetRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGetRequest;
        public static toObject(message: etcdserverpb.AuthRoleGetRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserListRequest {
    }

    class AuthUserListRequest implements IAuthUserListRequest {
        constructor(properties?: etcdserverpb.IAuthUserListRequest);
        public static create(properties?: etcdserverpb.IAuthUserListRequest): etcdserverpb.AuthUserListRequest;
        public static encode(message: etcdserverpb.IAuthUserListRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserListRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserListRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserListRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserListRequest;
        public static toObject(message: etcdserverpb.AuthUserListRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleListRequest {
    }

    class AuthRoleListRequest implements IAuthRoleListRequest {
        constructor(properties?: etcdserverpb.IAuthRoleListRequest);
        public static create(properties?: etcdserverpb.IAuthRoleListRequest): etcdserverpb.AuthRoleListRequest;
        public static encode(message: etcdserverpb.IAuthRoleListRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleListRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleListRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleListRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleListRequest;
        public static toObject(message: etcdserverpb.AuthRoleListRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleDeleteRequest {
        role?: (string|null);
    }

    class AuthRoleDeleteRequest implements IAuthRoleDeleteRequest {
        constructor(properties?: etcdserverpb.IAuthRoleDeleteRequest);
        public role: string;
        public static create(properties?: etcdserverpb.IAuthRoleDeleteRequest): etcdserverpb.AuthRoleDeleteRequest;
        public static encode(message: etcdserverpb.IAuthRoleDeleteRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleDeleteRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleDeleteRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleDeleteRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleDeleteRequest;
        public static toObject(message: etcdserverpb.AuthRoleDeleteRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleGrantPermissionRequest {
        name?: (string|null);
        perm?: (authpb.IPermission|null);
    }

    class AuthRoleGrantPermissionRequest implements IAuthRoleGrantPermissionRequest {
        constructor(properties?: etcdserverpb.IAuthRoleGrantPermissionRequest);
        public name: string;
        public perm?: (authpb.IPermission|null);
        public static create(properties?: etcdserverpb.IAuthRoleGrantPermissionRequest): etcdserverpb.AuthRoleGrantPermissionRequest;
        public static encode(message: etcdserverpb.IAuthRoleGrantPermissionRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleGrantPermissionRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGrantPermissionRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleGrantPermissionRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGrantPermissionRequest;
        public static toObject(message: etcdserverpb.AuthRoleGrantPermissionRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleRevokePermissionRequest {
        role?: (string|null);
        key?: (Uint8Array|null);
        rangeEnd?: (Uint8Array|null);
    }

    class AuthRoleRevokePermissionRequest implements IAuthRoleRevokePermissionRequest {
        constructor(properties?: etcdserverpb.IAuthRoleRevokePermissionRequest);
        public role: string;
        public key: Uint8Array;
        public rangeEnd: Uint8Array;
        public static create(properties?: etcdserverpb.IAuthRoleRevokePermissionRequest): etcdserverpb.AuthRoleRevokePermissionRequest;
        public static encode(message: etcdserverpb.IAuthRoleRevokePermissionRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleRevokePermissionRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleRevokePermissionRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleRevokePermissionRequest;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleRevokePermissionRequest;
        public static toObject(message: etcdserverpb.AuthRoleRevokePermissionRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthEnableResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthEnableResponse implements IAuthEnableResponse {
        constructor(properties?: etcdserverpb.IAuthEnableResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthEnableResponse): etcdserverpb.AuthEnableResponse;
        public static encode(message: etcdserverpb.IAuthEnableResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthEnableResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthEnableResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthEnableResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthEnableResponse;
        public static toObject(message: etcdserverpb.AuthEnableResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthDisableResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthDisableResponse implements IAuthDisableResponse {
        constructor(properties?: etcdserverpb.IAuthDisableResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthDisableResponse): etcdserverpb.AuthDisableResponse;
        public static encode(message: etcdserverpb.IAuthDisableResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthDisableResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthDisableResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthDisableResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthDisableResponse;
        public static toObject(message: etcdserverpb.AuthDisableResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthStatusResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        enabled?: (boolean|null);
        authRevision?: (number|Long|null);
    }

    class AuthStatusResponse implements IAuthStatusResponse {
        constructor(properties?: etcdserverpb.IAuthStatusResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public enabled: boolean;
        public authRevision: (number|Long);
        public static create(properties?: etcdserverpb.IAuthStatusResponse): etcdserverpb.AuthStatusResponse;
        public static encode(message: etcdserverpb.IAuthStatusResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthStatusResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthStatusResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthStatusResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthStatusResponse;
        public static toObject(message: etcdserverpb.AuthStatusResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthenticateResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        token?: (string|null);
    }

    class AuthenticateResponse implements IAuthenticateResponse {
        constructor(properties?: etcdserverpb.IAuthenticateResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public token: string;
        public static create(properties?: etcdserverpb.IAuthenticateResponse): etcdserverpb.AuthenticateResponse;
        public static encode(message: etcdserverpb.IAuthenticateResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthenticateResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthenticateResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthenticateResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthenticateResponse;
        public static toObject(message: etcdserverpb.AuthenticateResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserAddResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthUserAddResponse implements IAuthUserAddResponse {
        constructor(properties?: etcdserverpb.IAuthUserAddResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthUserAddResponse): etcdserverpb.AuthUserAddResponse;
        public static encode(message: etcdserverpb.IAuthUserAddResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserAddResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserAddResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserAddResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserAddResponse;
        public static toObject(message: etcdserverpb.AuthUserAddResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserGetResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        roles?: (string[]|null);
    }

    class AuthUserGetResponse implements IAuthUserGetResponse {
        constructor(properties?: etcdserverpb.IAuthUserGetResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public roles: string[];
        public static create(properties?: etcdserverpb.IAuthUserGetResponse): etcdserverpb.AuthUserGetResponse;
        public static encode(message: etcdserverpb.IAuthUserGetResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserGetResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGetResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserGetResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGetResponse;
        public static toObject(message: etcdserverpb.AuthUserGetResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserDeleteResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthUserDeleteResponse implements IAuthUserDeleteResponse {
        constructor(properties?: etcdserverpb.IAuthUserDeleteResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthUserDeleteResponse): etcdserverpb.AuthUserDeleteResponse;
        public static encode(message: etcdserverpb.IAuthUserDeleteResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserDeleteResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserDeleteResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserDeleteResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserDeleteResponse;
        public static toObject(message: etcdserverpb.AuthUserDeleteResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserChangePasswordResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthUserChangePasswordResponse implements IAuthUserChangePasswordResponse {
        constructor(properties?: etcdserverpb.IAuthUserChangePasswordResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthUserChangePasswordResponse): etcdserverpb.AuthUserChangePasswordResponse;
        public static encode(message: etcdserverpb.IAuthUserChangePasswordResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserChangePasswordResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserChangePasswordResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserChangePasswordResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserChangePasswordResponse;
        public static toObject(message: etcdserverpb.AuthUserChangePasswordResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserGrantRoleResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthUserGrantRoleResponse implements IAuthUserGrantRoleResponse {
        constructor(properties?: etcdserverpb.IAuthUserGrantRoleResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthUserGrantRoleResponse): etcdserverpb.AuthUserGrantRoleResponse;
        public static encode(message: etcdserverpb.IAuthUserGrantRoleResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserGrantRoleResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserGrantRoleResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserGrantRoleResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserGrantRoleResponse;
        public static toObject(message: etcdserverpb.AuthUserGrantRoleResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserRevokeRoleResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthUserRevokeRoleResponse implements IAuthUserRevokeRoleResponse {
        constructor(properties?: etcdserverpb.IAuthUserRevokeRoleResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthUserRevokeRoleResponse): etcdserverpb.AuthUserRevokeRoleResponse;
        public static encode(message: etcdserverpb.IAuthUserRevokeRoleResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserRevokeRoleResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserRevokeRoleResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserRevokeRoleResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserRevokeRoleResponse;
        public static toObject(message: etcdserverpb.AuthUserRevokeRoleResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleAddResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthRoleAddResponse implements IAuthRoleAddResponse {
        constructor(properties?: etcdserverpb.IAuthRoleAddResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthRoleAddResponse): etcdserverpb.AuthRoleAddResponse;
        public static encode(message: etcdserverpb.IAuthRoleAddResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleAddResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleAddResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleAddResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleAddResponse;
        public static toObject(message: etcdserverpb.AuthRoleAddResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleGetResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        perm?: (authpb.IPermission[]|null);
    }

    class AuthRoleGetResponse implements IAuthRoleGetResponse {
        constructor(properties?: etcdserverpb.IAuthRoleGetResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public perm: authpb.IPermission[];
        public static create(properties?: etcdserverpb.IAuthRoleGetResponse): etcdserverpb.AuthRoleGetResponse;
        public static encode(message: etcdserverpb.IAuthRoleGetResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleGetResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGetResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleGetResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGetResponse;
        public static toObject(message: etcdserverpb.AuthRoleGetResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleListResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        roles?: (string[]|null);
    }

    class AuthRoleListResponse implements IAuthRoleListResponse {
        constructor(properties?: etcdserverpb.IAuthRoleListResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public roles: string[];
        public static create(properties?: etcdserverpb.IAuthRoleListResponse): etcdserverpb.AuthRoleListResponse;
        public static encode(message: etcdserverpb.IAuthRoleListResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleListResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleListResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleListResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleListResponse;
        public static toObject(message: etcdserverpb.AuthRoleListResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthUserListResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        users?: (string[]|null);
    }

    class AuthUserListResponse implements IAuthUserListResponse {
        constructor(properties?: etcdserverpb.IAuthUserListResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public users: string[];
        public static create(properties?: etcdserverpb.IAuthUserListResponse): etcdserverpb.AuthUserListResponse;
        public static encode(message: etcdserverpb.IAuthUserListResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthUserListResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthUserListResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthUserListResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthUserListResponse;
        public static toObject(message: etcdserverpb.AuthUserListResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleDeleteResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthRoleDeleteResponse implements IAuthRoleDeleteResponse {
        constructor(properties?: etcdserverpb.IAuthRoleDeleteResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthRoleDeleteResponse): etcdserverpb.AuthRoleDeleteResponse;
        public static encode(message: etcdserverpb.IAuthRoleDeleteResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleDeleteResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleDeleteResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleDeleteResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleDeleteResponse;
        public static toObject(message: etcdserverpb.AuthRoleDeleteResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleGrantPermissionResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthRoleGrantPermissionResponse implements IAuthRoleGrantPermissionResponse {
        constructor(properties?: etcdserverpb.IAuthRoleGrantPermissionResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthRoleGrantPermissionResponse): etcdserverpb.AuthRoleGrantPermissionResponse;
        public static encode(message: etcdserverpb.IAuthRoleGrantPermissionResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleGrantPermissionResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleGrantPermissionResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleGrantPermissionResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleGrantPermissionResponse;
        public static toObject(message: etcdserverpb.AuthRoleGrantPermissionResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IAuthRoleRevokePermissionResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class AuthRoleRevokePermissionResponse implements IAuthRoleRevokePermissionResponse {
        constructor(properties?: etcdserverpb.IAuthRoleRevokePermissionResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: etcdserverpb.IAuthRoleRevokePermissionResponse): etcdserverpb.AuthRoleRevokePermissionResponse;
        public static encode(message: etcdserverpb.IAuthRoleRevokePermissionResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: etcdserverpb.IAuthRoleRevokePermissionResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): etcdserverpb.AuthRoleRevokePermissionResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): etcdserverpb.AuthRoleRevokePermissionResponse;
        public static fromObject(object: { [k: string]: any }): etcdserverpb.AuthRoleRevokePermissionResponse;
        public static toObject(message: etcdserverpb.AuthRoleRevokePermissionResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }
}

export namespace v3electionpb {

    class Election extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Election;
        public campaign(request: v3electionpb.ICampaignRequest, callback: v3electionpb.Election.CampaignCallback): void;
        public campaign(request: v3electionpb.ICampaignRequest): Promise<v3electionpb.CampaignResponse>;
        public proclaim(request: v3electionpb.IProclaimRequest, callback: v3electionpb.Election.ProclaimCallback): void;
        public proclaim(request: v3electionpb.IProclaimRequest): Promise<v3electionpb.ProclaimResponse>;
        public leader(request: v3electionpb.ILeaderRequest, callback: v3electionpb.Election.LeaderCallback): void;
        public leader(request: v3electionpb.ILeaderRequest): Promise<v3electionpb.LeaderResponse>;
        public observe(request: v3electionpb.ILeaderRequest, callback: v3electionpb.Election.ObserveCallback): void;
        public observe(request: v3electionpb.ILeaderRequest): Promise<v3electionpb.LeaderResponse>;
        public resign(request: v3electionpb.IResignRequest, callback: v3electionpb.Election.ResignCallback): void;
        public resign(request: v3electionpb.IResignRequest): Promise<v3electionpb.ResignResponse>;
    }

    namespace Election {

        type CampaignCallback = (error: (Error|null), response?: v3electionpb.CampaignResponse) => void;

        type ProclaimCallback = (error: (Error|null), response?: v3electionpb.ProclaimResponse) => void;

        type LeaderCallback = (error: (Error|null), response?: v3electionpb.LeaderResponse) => void;

        type ObserveCallback = (error: (Error|null), response?: v3electionpb.LeaderResponse) => void;

        type ResignCallback = (error: (Error|null), response?: v3electionpb.ResignResponse) => void;
    }

    interface ICampaignRequest {
        name?: (Uint8Array|null);
        lease?: (number|Long|null);
        value?: (Uint8Array|null);
    }

    class CampaignRequest implements ICampaignRequest {
        constructor(properties?: v3electionpb.ICampaignRequest);
        public name: Uint8Array;
        public lease: (number|Long);
        public value: Uint8Array;
        public static create(properties?: v3electionpb.ICampaignRequest): v3electionpb.CampaignRequest;
        public static encode(message: v3electionpb.ICampaignRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.ICampaignRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.CampaignRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.CampaignRequest;
        public static fromObject(object: { [k: string]: any }): v3electionpb.CampaignRequest;
        public static toObject(message: v3electionpb.CampaignRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ICampaignResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        leader?: (v3electionpb.ILeaderKey|null);
    }

    class CampaignResponse implements ICampaignResponse {
        constructor(properties?: v3electionpb.ICampaignResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public leader?: (v3electionpb.ILeaderKey|null);
        public static create(properties?: v3electionpb.ICampaignResponse): v3electionpb.CampaignResponse;
        public static encode(message: v3electionpb.ICampaignResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.ICampaignResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.CampaignResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.CampaignResponse;
        public static fromObject(object: { [k: string]: any }): v3electionpb.CampaignResponse;
        public static toObject(message: v3electionpb.CampaignResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaderKey {
        name?: (Uint8Array|null);
        key?: (Uint8Array|null);
        rev?: (number|Long|null);
        lease?: (number|Long|null);
    }

    class LeaderKey implements ILeaderKey {
        constructor(properties?: v3electionpb.ILeaderKey);
        public name: Uint8Array;
        public key: Uint8Array;
        public rev: (number|Long);
        public lease: (number|Long);
        public static create(properties?: v3electionpb.ILeaderKey): v3electionpb.LeaderKey;
        public static encode(message: v3electionpb.ILeaderKey, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.ILeaderKey, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.LeaderKey;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.LeaderKey;
        public static fromObject(object: { [k: string]: any }): v3electionpb.LeaderKey;
        public static toObject(message: v3electionpb.LeaderKey, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaderRequest {
        name?: (Uint8Array|null);
    }

    class LeaderRequest implements ILeaderRequest {
        constructor(properties?: v3electionpb.ILeaderRequest);
        public name: Uint8Array;
        public static create(properties?: v3electionpb.ILeaderRequest): v3electionpb.LeaderRequest;
        public static encode(message: v3electionpb.ILeaderRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.ILeaderRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.LeaderRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.LeaderRequest;
        public static fromObject(object: { [k: string]: any }): v3electionpb.LeaderRequest;
        public static toObject(message: v3electionpb.LeaderRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILeaderResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        kv?: (mvccpb.IKeyValue|null);
    }

    class LeaderResponse implements ILeaderResponse {
        constructor(properties?: v3electionpb.ILeaderResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public kv?: (mvccpb.IKeyValue|null);
        public static create(properties?: v3electionpb.ILeaderResponse): v3electionpb.LeaderResponse;
        public static encode(message: v3electionpb.ILeaderResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.ILeaderResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.LeaderResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.LeaderResponse;
        public static fromObject(object: { [k: string]: any }): v3electionpb.LeaderResponse;
        public static toObject(message: v3electionpb.LeaderResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IResignRequest {
        leader?: (v3electionpb.ILeaderKey|null);
    }

    class ResignRequest implements IResignRequest {
        constructor(properties?: v3electionpb.IResignRequest);
        public leader?: (v3electionpb.ILeaderKey|null);
        public static create(properties?: v3electionpb.IResignRequest): v3electionpb.ResignRequest;
        public static encode(message: v3electionpb.IResignRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.IResignRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.ResignRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.ResignRequest;
        public static fromObject(object: { [k: string]: any }): v3electionpb.ResignRequest;
        public static toObject(message: v3electionpb.ResignRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IResignResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class ResignResponse implements IResignResponse {
        constructor(properties?: v3electionpb.IResignResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: v3electionpb.IResignResponse): v3electionpb.ResignResponse;
        public static encode(message: v3electionpb.IResignResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.IResignResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.ResignResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.ResignResponse;
        public static fromObject(object: { [k: string]: any }): v3electionpb.ResignResponse;
        public static toObject(message: v3electionpb.ResignResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IProclaimRequest {
        leader?: (v3electionpb.ILeaderKey|null);
        value?: (Uint8Array|null);
    }

    class ProclaimRequest implements IProclaimRequest {
        constructor(properties?: v3electionpb.IProclaimRequest);
        public leader?: (v3electionpb.ILeaderKey|null);
        public value: Uint8Array;
        public static create(properties?: v3electionpb.IProclaimRequest): v3electionpb.ProclaimRequest;
        public static encode(message: v3electionpb.IProclaimRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.IProclaimRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.ProclaimRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.ProclaimRequest;
        public static fromObject(object: { [k: string]: any }): v3electionpb.ProclaimRequest;
        public static toObject(message: v3electionpb.ProclaimRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IProclaimResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class ProclaimResponse implements IProclaimResponse {
        constructor(properties?: v3electionpb.IProclaimResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: v3electionpb.IProclaimResponse): v3electionpb.ProclaimResponse;
        public static encode(message: v3electionpb.IProclaimResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3electionpb.IProclaimResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3electionpb.ProclaimResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3electionpb.ProclaimResponse;
        public static fromObject(object: { [k: string]: any }): v3electionpb.ProclaimResponse;
        public static toObject(message: v3electionpb.ProclaimResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }
}

export namespace v3lockpb {

    class Lock extends $protobuf.rpc.Service {
        constructor(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean);
        public static create(rpcImpl: $protobuf.RPCImpl, requestDelimited?: boolean, responseDelimited?: boolean): Lock;
        public lock(request: v3lockpb.ILockRequest, callback: v3lockpb.Lock.LockCallback): void;
        public lock(request: v3lockpb.ILockRequest): Promise<v3lockpb.LockResponse>;
        public unlock(request: v3lockpb.IUnlockRequest, callback: v3lockpb.Lock.UnlockCallback): void;
        public unlock(request: v3lockpb.IUnlockRequest): Promise<v3lockpb.UnlockResponse>;
    }

    namespace Lock {

        type LockCallback = (error: (Error|null), response?: v3lockpb.LockResponse) => void;

        type UnlockCallback = (error: (Error|null), response?: v3lockpb.UnlockResponse) => void;
    }

    interface ILockRequest {
        name?: (Uint8Array|null);
        lease?: (number|Long|null);
    }

    class LockRequest implements ILockRequest {
        constructor(properties?: v3lockpb.ILockRequest);
        public name: Uint8Array;
        public lease: (number|Long);
        public static create(properties?: v3lockpb.ILockRequest): v3lockpb.LockRequest;
        public static encode(message: v3lockpb.ILockRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3lockpb.ILockRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3lockpb.LockRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3lockpb.LockRequest;
        public static fromObject(object: { [k: string]: any }): v3lockpb.LockRequest;
        public static toObject(message: v3lockpb.LockRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface ILockResponse {
        header?: (etcdserverpb.IResponseHeader|null);
        key?: (Uint8Array|null);
    }

    class LockResponse implements ILockResponse {
        constructor(properties?: v3lockpb.ILockResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public key: Uint8Array;
        public static create(properties?: v3lockpb.ILockResponse): v3lockpb.LockResponse;
        public static encode(message: v3lockpb.ILockResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3lockpb.ILockResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3lockpb.LockResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3lockpb.LockResponse;
        public static fromObject(object: { [k: string]: any }): v3lockpb.LockResponse;
        public static toObject(message: v3lockpb.LockResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IUnlockRequest {
        key?: (Uint8Array|null);
    }

    class UnlockRequest implements IUnlockRequest {
        constructor(properties?: v3lockpb.IUnlockRequest);
        public key: Uint8Array;
        public static create(properties?: v3lockpb.IUnlockRequest): v3lockpb.UnlockRequest;
        public static encode(message: v3lockpb.IUnlockRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3lockpb.IUnlockRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3lockpb.UnlockRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3lockpb.UnlockRequest;
        public static fromObject(object: { [k: string]: any }): v3lockpb.UnlockRequest;
        public static toObject(message: v3lockpb.UnlockRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IUnlockResponse {
        header?: (etcdserverpb.IResponseHeader|null);
    }

    class UnlockResponse implements IUnlockResponse {
        constructor(properties?: v3lockpb.IUnlockResponse);
        public header?: (etcdserverpb.IResponseHeader|null);
        public static create(properties?: v3lockpb.IUnlockResponse): v3lockpb.UnlockResponse;
        public static encode(message: v3lockpb.IUnlockResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: v3lockpb.IUnlockResponse, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): v3lockpb.UnlockResponse;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): v3lockpb.UnlockResponse;
        public static fromObject(object: { [k: string]: any }): v3lockpb.UnlockResponse;
        public static toObject(message: v3lockpb.UnlockResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }
}

export namespace concordpb {

    interface IInternalRequest {
        id?: (number|Long|null);
        timeMs?: (number|Long|null);
        put?: (etcdserverpb.IPutRequest|null);
        deleteRange?: (etcdserverpb.IDeleteRangeRequest|null);
        txn?: (etcdserverpb.ITxnRequest|null);
        compaction?: (etcdserverpb.ICompactionRequest|null);
        leaseGrant?: (etcdserverpb.ILeaseGrantRequest|null);
        leaseRevoke?: (etcdserverpb.ILeaseRevokeRequest|null);
        alarm?: (etcdserverpb.IAlarmRequest|null);
        leaseCheckpoint?: (etcdserverpb.ILeaseCheckpointRequest|null);
        range?: (etcdserverpb.IRangeRequest|null);
        noop?: (concordpb.INoop|null);
        zkCreateSession?: (concordpb.IZkCreateSession|null);
        zkCloseSession?: (concordpb.IZkCloseSession|null);
        zkOp?: (concordpb.IZkOp|null);
    }

    class InternalRequest implements IInternalRequest {
        constructor(properties?: concordpb.IInternalRequest);
        public id: (number|Long);
        public timeMs: (number|Long);
        public put?: (etcdserverpb.IPutRequest|null);
        public deleteRange?: (etcdserverpb.IDeleteRangeRequest|null);
        public txn?: (etcdserverpb.ITxnRequest|null);
        public compaction?: (etcdserverpb.ICompactionRequest|null);
        public leaseGrant?: (etcdserverpb.ILeaseGrantRequest|null);
        public leaseRevoke?: (etcdserverpb.ILeaseRevokeRequest|null);
        public alarm?: (etcdserverpb.IAlarmRequest|null);
        public leaseCheckpoint?: (etcdserverpb.ILeaseCheckpointRequest|null);
        public range?: (etcdserverpb.IRangeRequest|null);
        public noop?: (concordpb.INoop|null);
        public zkCreateSession?: (concordpb.IZkCreateSession|null);
        public zkCloseSession?: (concordpb.IZkCloseSession|null);
        public zkOp?: (concordpb.IZkOp|null);
        public static create(properties?: concordpb.IInternalRequest): concordpb.InternalRequest;
        public static encode(message: concordpb.IInternalRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: concordpb.IInternalRequest, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): concordpb.InternalRequest;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): concordpb.InternalRequest;
        public static fromObject(object: { [k: string]: any }): concordpb.InternalRequest;
        public static toObject(message: concordpb.InternalRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IZkCreateSession {
        sessionId?: (number|Long|null);
        timeoutMs?: (number|null);
        password?: (Uint8Array|null);
    }

    class ZkCreateSession implements IZkCreateSession {
        constructor(properties?: concordpb.IZkCreateSession);
        public sessionId: (number|Long);
        public timeoutMs: number;
        public password: Uint8Array;
        public static create(properties?: concordpb.IZkCreateSession): concordpb.ZkCreateSession;
        public static encode(message: concordpb.IZkCreateSession, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: concordpb.IZkCreateSession, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): concordpb.ZkCreateSession;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): concordpb.ZkCreateSession;
        public static fromObject(object: { [k: string]: any }): concordpb.ZkCreateSession;
        public static toObject(message: concordpb.ZkCreateSession, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IZkCloseSession {
        sessionId?: (number|Long|null);
        expired?: (boolean|null);
    }

    class ZkCloseSession implements IZkCloseSession {
        constructor(properties?: concordpb.IZkCloseSession);
        public sessionId: (number|Long);
        public expired: boolean;
        public static create(properties?: concordpb.IZkCloseSession): concordpb.ZkCloseSession;
        public static encode(message: concordpb.IZkCloseSession, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: concordpb.IZkCloseSession, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): concordpb.ZkCloseSession;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): concordpb.ZkCloseSession;
        public static fromObject(object: { [k: string]: any }): concordpb.ZkCloseSession;
        public static toObject(message: concordpb.ZkCloseSession, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IZkAuthId {
        scheme?: (string|null);
        id?: (string|null);
    }

    class ZkAuthId implements IZkAuthId {
        constructor(properties?: concordpb.IZkAuthId);
        public scheme: string;
        public id: string;
        public static create(properties?: concordpb.IZkAuthId): concordpb.ZkAuthId;
        public static encode(message: concordpb.IZkAuthId, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: concordpb.IZkAuthId, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): concordpb.ZkAuthId;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): concordpb.ZkAuthId;
        public static fromObject(object: { [k: string]: any }): concordpb.ZkAuthId;
        public static toObject(message: concordpb.ZkAuthId, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface IZkOp {
        sessionId?: (number|Long|null);
        type?: (number|null);
        body?: (Uint8Array|null);
        auth?: (concordpb.IZkAuthId[]|null);
    }

    class ZkOp implements IZkOp {
        constructor(properties?: concordpb.IZkOp);
        public sessionId: (number|Long);
        public type: number;
        public body: Uint8Array;
        public auth: concordpb.IZkAuthId[];
        public static create(properties?: concordpb.IZkOp): concordpb.ZkOp;
        public static encode(message: concordpb.IZkOp, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: concordpb.IZkOp, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): concordpb.ZkOp;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): concordpb.ZkOp;
        public static fromObject(object: { [k: string]: any }): concordpb.ZkOp;
        public static toObject(message: concordpb.ZkOp, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }

    interface INoop {
    }

    class Noop implements INoop {
        constructor(properties?: concordpb.INoop);
        public static create(properties?: concordpb.INoop): concordpb.Noop;
        public static encode(message: concordpb.INoop, writer?: $protobuf.Writer): $protobuf.Writer;
        public static encodeDelimited(message: concordpb.INoop, writer?: $protobuf.Writer): $protobuf.Writer;
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): concordpb.Noop;
        public static decodeDelimited(reader: ($protobuf.Reader|Uint8Array)): concordpb.Noop;
        public static fromObject(object: { [k: string]: any }): concordpb.Noop;
        public static toObject(message: concordpb.Noop, options?: $protobuf.IConversionOptions): { [k: string]: any };
        public toJSON(): { [k: string]: any };
        public static getTypeUrl(typeUrlPrefix?: string): string;
    }
}
