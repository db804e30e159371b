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
export { SEMI_SPACE_FLAGS } from './young-generation.ts';
export { tierUpSooner, TURBOFAN_INVOCATIONS } from './jit-tiering.ts';
export { OPENAPI_DOCUMENT, OPENAPI_PATH } from './admin/openapi.ts';
export { adminRoutes } from './admin/api.ts';
export { signBody, verifySignature, SIGNATURE_HEADER } from './webhooks/signature.ts';
export type { WebhookBody, WebhookEventName } from './webhooks/events.ts';
export type { UsageStore, UsageReport, CallRecord, SessionRecord } from './usage/store.ts';
export { SqliteUsageStore } from './usage/sqlite-store.ts';
export { PostgresUsageStore } from './usage/postgres-store.ts';
export type { Cluster, ClusterView, ClusterConfig } from './cluster/cluster.ts';
export type { NodeRecord, NodeLoad } from './cluster/node-record.ts';
