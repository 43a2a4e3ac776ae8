export { createApp, jsonLogger, type AppDeps, type App, type AccessLogEntry, type AccessLogger, type StartSweep, type CancelSweep, type StartReproduction, type SweepEta, type SweepEtaInfo } from './app.ts';
export { createApiToken, hashToken, requireScope, SCOPES, type Scope } from './auth.ts';
export { ApiError } from './errors.ts';
export { listen } from './serve.ts';
