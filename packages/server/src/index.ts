/**
 * `@rtcroom/server`: start a room server from code.
 * @module
 */
export { startServer, type RunningServer } from './server.ts';
export { defaultConfig, type ServerConfig } from './config.ts';
export { AppRegistry, AppConfigError, type App } from './apps/registry.ts';
export { loadOrCreateDevApp, newApp } from './apps/dev-app.ts';
export { createLogger, type Logger, type LogLevel } from './log.ts';
export { mediaCounts } from './media/metrics.ts';
export type { Cluster, ClusterView, ClusterConfig } from './cluster/cluster.ts';
export type { NodeRecord, NodeLoad } from './cluster/node-record.ts';
