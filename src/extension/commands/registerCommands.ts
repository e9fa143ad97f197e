import type * as vscode from 'vscode';
import { registerCommand, type CommandHandler } from '../commandWrapper';
import type { FlameViewApi } from '../flame/registerFlameView';
import type { registerFleetView } from '../fleet/registerFleetView';
import type { trendSamplingCommands } from '../trends/trendSampler';
import type { registerTrendView } from '../trends/registerTrendView';
import type { cgroupCommands } from './cgroupCommands';
import { COMMAND_IDS, Commands, type CommandId } from './commandIds';
import type { documentCommands } from './documentCommands';
import type { evidenceCommands } from './evidenceCommands';
import type { findingCommands } from './findingCommands';
import type { fixCommands } from './fixCommands';
import type { nodeCommands } from './nodeCommands';
import type { reportCommands } from './reportCommands';
import type { snapshotCommands } from './snapshotCommands';

/** The handlers each feature folder makes (activate() builds them; see extension.ts). */
export interface CommandFeatures {
  node: ReturnType<typeof nodeCommands>;
  cgroup: ReturnType<typeof cgroupCommands>;
  finding: ReturnType<typeof findingCommands>;
  fix: ReturnType<typeof fixCommands>;
  report: ReturnType<typeof reportCommands>;
  evidence: ReturnType<typeof evidenceCommands>;
  flame: FlameViewApi;
  snapshot: ReturnType<typeof snapshotCommands>;
  trendSampling: ReturnType<typeof trendSamplingCommands>;
  trendView: ReturnType<typeof registerTrendView>;
  document: ReturnType<typeof documentCommands>;
  fleet: ReturnType<typeof registerFleetView>;
}

/**
 * The one place commands are registered: every command id with its handler, each through the
 * error wrapper. The table is total, so a command without a handler (or a handler for a command
 * package.json does not contribute) does not compile.
 */
export function registerCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, f: CommandFeatures): void {
  const handlers: { readonly [K in CommandId]: CommandHandler } = {
    [Commands.addNode]: f.node.addNode,
    [Commands.removeNode]: f.node.removeNode,
    [Commands.connect]: f.node.connect,
    [Commands.disconnect]: f.node.disconnect,
    [Commands.refresh]: f.node.refresh,
    [Commands.loadMore]: f.node.loadMore,
    [Commands.showLog]: f.node.showLog,
    [Commands.scanLocal]: f.node.scanLocal,
    [Commands.copyPath]: f.cgroup.copyPath,
    [Commands.copyPodUid]: f.cgroup.copyPodUid,
    [Commands.copyContainerId]: f.cgroup.copyContainerId,
    [Commands.inspectProcesses]: f.cgroup.inspectProcesses,
    [Commands.detectOrphans]: f.finding.detectOrphans,
    [Commands.revealCgroup]: f.finding.revealCgroup,
    [Commands.generateFix]: f.fix.generateFix,
    [Commands.runCleanup]: f.fix.runCleanup,
    [Commands.exportReport]: f.report.exportReport,
    [Commands.gatherEvidence]: f.evidence.gatherEvidence,
    [Commands.traceChurn]: f.evidence.traceChurn,
    [Commands.openFlameView]: f.flame.open,
    // The tree's "Show in Flame View": the same, with the cgroup focused.
    [Commands.showInFlameView]: f.flame.open,
    [Commands.compareWithSnapshot]: f.snapshot.compareWithSnapshot,
    [Commands.deleteSnapshots]: f.snapshot.deleteSnapshots,
    [Commands.startTrendSampling]: f.trendSampling.startTrendSampling,
    [Commands.stopTrendSampling]: f.trendSampling.stopTrendSampling,
    [Commands.showTrends]: f.trendView.showTrends,
    [Commands.saveDocumentAs]: f.document.saveDocumentAs,
    [Commands.scanFleet]: f.fleet.scanFleet,
    [Commands.sortFleet]: f.fleet.sortFleet,
    [Commands.openFleetNode]: f.fleet.openFleetNode,
  };
  for (const id of COMMAND_IDS) registerCommand(context, log, id, handlers[id]);
}
