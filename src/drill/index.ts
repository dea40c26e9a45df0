// The public surface of src/drill: failover drills checked for linearizability.
export type { BackendOptions, DrillCluster, NetemSpec, NodeExit } from './backend.js';
export { DockerCluster, dockerUnavailable, DOCKER_SETUP_HINT, DEFAULT_IMAGE } from './docker-backend.js';
export { ProcessCluster } from './process-backend.js';
export { NEMESES, inject, parseScenario, runSchedule, supported } from './nemesis.js';
export type { ActiveFault, FaultRecord, NemesisContext, NemesisName, ScheduleOptions } from './nemesis.js';
export { ClusterProbe } from './probe.js';
export { DrillSecurity, accessOptions, WORKLOAD_PREFIX, WORKLOAD_USER } from './security.js';
export type { ClientAccess, DrillClientRole, DrillSecurityOptions } from './security.js';
export { formatReport } from './report.js';
export type { DrillReport, FaultReport, LostWrites, OutcomeCounts } from './report.js';
export { FINAL_PROCESS, runDrill, startCluster } from './runner.js';
export type { DrillCommitMode, DrillOptions } from './runner.js';
export { Workload, isDefiniteFailure } from './workload.js';
export type { WorkloadKind, WorkloadOptions } from './workload.js';
