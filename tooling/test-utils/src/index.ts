export { fakeClaudePath } from './fake-claude.js';
export { createGitRepository, type GitRepository, TEMPLATE_FILES } from './git-repository.js';
export { type JsonRpcAnswer, jsonRpcAnswer, MCP_INITIALIZE } from './mcp-wire.js';
export { findProcessesWithMarker, isProcessAlive } from './processes.js';
export { type PrometheusExposition, type PrometheusSample, parsePrometheusText, prometheusValue } from './prometheus.js';
export {
  dagArbitrary,
  dagEdges,
  type OfferedEdge,
  offeredEdges,
  policiesArbitrary,
  type RandomDag,
  type RandomPolicy,
  reachability,
  taskName,
} from './random-dag.js';
export { createTempDir, type TempDir } from './temp-dir.js';
export { type PerTest, usePerTest } from './use-per-test.js';
export { type TestDirectories, type TestTempDir, useTempDir, useTestDirectories } from './use-temp-dir.js';
export { type WaitForOptions, waitFor } from './wait-for.js';
export { type ProcessExit, spawnWatched, type WatchedProcess } from './watched-process.js';
export {
  type ReceivedRequest,
  type ReceiverAnswer,
  startWebhookReceiver,
  verifyWebhookSignature,
  WEBHOOK_TOKEN,
  type WebhookReceiver,
} from './webhook-receiver.js';
