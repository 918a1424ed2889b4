export { startConcord, ConcordOptions, RunningConcord } from './embed';
export { EtcdServer } from './server/etcd-server';
