import type * as vscode from 'vscode';
import type { FixKind } from '../../core/fixes/fixCatalog';
import type { ChurnMethod } from '../evidence/churnMeasure';
import type { FleetSortKey } from '../fleet/fleetSort';
import type { FleetRow } from '../fleet/fleetTree';
import type { CgroupElement, NodesElement } from '../tree/elements';

/**
 * Every command the extension contributes (package.json `contributes.commands`), by a short name.
 * test/unit/commandIds.test.ts checks this table against package.json both ways, and
 * registerCommands.ts maps every id to its handler, so a command added on one side only fails a
 * test or does not compile. Code names commands through this table, never by a string literal.
 *
 * Adding a command touches: package.json (contributes.commands, its menus, a title in
 * package.nls.json), Commands and CommandArgs here, its handler in its feature folder, and its
 * line in registerCommands.ts. The compiler and that test point at whichever is missing.
 */
export const Commands = {
  addNode: 'cgroupForensics.addNode',
  removeNode: 'cgroupForensics.removeNode',
  connect: 'cgroupForensics.connect',
  disconnect: 'cgroupForensics.disconnect',
  refresh: 'cgroupForensics.refresh',
  loadMore: 'cgroupForensics.loadMore',
  showLog: 'cgroupForensics.showLog',
  scanLocal: 'cgroupForensics.scanLocal',
  copyPath: 'cgroupForensics.copyPath',
  copyPodUid: 'cgroupForensics.copyPodUid',
  copyContainerId: 'cgroupForensics.copyContainerId',
  inspectProcesses: 'cgroupForensics.inspectProcesses',
  detectOrphans: 'cgroupForensics.detectOrphans',
  revealCgroup: 'cgroupForensics.revealCgroup',
  generateFix: 'cgroupForensics.generateFix',
  runCleanup: 'cgroupForensics.runCleanup',
  exportReport: 'cgroupForensics.exportReport',
  gatherEvidence: 'cgroupForensics.gatherEvidence',
  traceChurn: 'cgroupForensics.traceChurn',
  openFlameView: 'cgroupForensics.openFlameView',
  showInFlameView: 'cgroupForensics.showInFlameView',
  compareWithSnapshot: 'cgroupForensics.compareWithSnapshot',
  deleteSnapshots: 'cgroupForensics.deleteSnapshots',
  startTrendSampling: 'cgroupForensics.startTrendSampling',
  stopTrendSampling: 'cgroupForensics.stopTrendSampling',
  showTrends: 'cgroupForensics.showTrends',
  saveDocumentAs: 'cgroupForensics.saveDocumentAs',
  scanFleet: 'cgroupForensics.scanFleet',
  sortFleet: 'cgroupForensics.sortFleet',
  openFleetNode: 'cgroupForensics.openFleetNode',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const COMMAND_IDS: readonly CommandId[] = Object.values(Commands);

/** The node a command is about: a Nodes tree element under it, or just `{ nodeId }`. */
export type NodeTarget = Extract<NodesElement, { nodeId: string }> | { readonly nodeId: string };
/** The options that skip a modal confirmation (scripts and tests). */
type Confirmed = { readonly confirmed?: boolean };

/** Makes a missing or unknown command id in CommandArgs a compile error. */
type EveryCommand<T extends { [K in CommandId]: readonly unknown[] } & { [K in Exclude<keyof T, CommandId>]: never }> = T;

/**
 * The arguments our own code passes to each command (executeCommand.ts, tree items). Handlers
 * still take `unknown` and check: menus pass tree elements, the palette passes nothing, and other
 * extensions and tests may pass anything.
 */
export type CommandArgs = EveryCommand<{
  [Commands.addNode]: [kind?: 'ssh' | 'snapshot', destinationOrFile?: string];
  [Commands.removeNode]: [node?: NodeTarget, options?: Confirmed];
  [Commands.connect]: [node?: NodeTarget];
  [Commands.disconnect]: [node?: NodeTarget];
  [Commands.refresh]: [node?: NodeTarget];
  [Commands.loadMore]: [more: Extract<NodesElement, { type: 'more' }>];
  [Commands.showLog]: [];
  [Commands.scanLocal]: [node?: NodeTarget];
  // A cgroup element names the cgroup; any other target asks for it under that node.
  [Commands.copyPath]: [cgroup?: CgroupElement | NodeTarget];
  [Commands.copyPodUid]: [cgroup?: CgroupElement | NodeTarget];
  [Commands.copyContainerId]: [cgroup?: CgroupElement | NodeTarget];
  [Commands.inspectProcesses]: [cgroup?: CgroupElement | NodeTarget];
  [Commands.detectOrphans]: [node?: NodeTarget];
  [Commands.revealCgroup]: [target: NodeTarget & { readonly ref: { readonly hierarchy: string; readonly path: string } }];
  [Commands.generateFix]: [node?: NodeTarget & { readonly finding?: { readonly fixes?: readonly string[] } }, kind?: FixKind];
  [Commands.runCleanup]: [node?: NodeTarget];
  // target: the file to write (scripts and tests); else a save dialog asks.
  [Commands.exportReport]: [node?: NodeTarget, format?: 'json' | 'markdown' | 'html', target?: vscode.Uri];
  [Commands.gatherEvidence]: [node?: NodeTarget, options?: { readonly since?: string }];
  [Commands.traceChurn]: [node?: NodeTarget, options?: { readonly seconds?: number; readonly method?: ChurnMethod }];
  [Commands.openFlameView]: [target?: NodeTarget & { readonly hierarchy?: string; readonly path?: string }];
  [Commands.showInFlameView]: [target?: NodeTarget & { readonly hierarchy?: string; readonly path?: string }];
  [Commands.compareWithSnapshot]: [node?: NodeTarget, options?: { readonly takenAt?: number }];
  [Commands.deleteSnapshots]: [node?: NodeTarget, options?: Confirmed];
  [Commands.startTrendSampling]: [node?: NodeTarget, seconds?: number];
  [Commands.stopTrendSampling]: [node?: NodeTarget];
  [Commands.showTrends]: [node?: NodeTarget];
  // The generated document (the editor title passes it) and, for scripts and tests, the file to write.
  [Commands.saveDocumentAs]: [document?: vscode.Uri, target?: vscode.Uri];
  // The nodes to scan (scripts and tests): ssh_config aliases or the cluster's nodes; else a quick pick asks. signal: stops the scan as its Cancel does.
  [Commands.scanFleet]: [nodes?: ({ readonly sshPattern: string } | { readonly kube: { readonly selector?: string } }) & { readonly signal?: AbortSignal }];
  [Commands.sortFleet]: [key?: FleetSortKey];
  [Commands.openFleetNode]: [row: FleetRow];
}>;

/** A command with its arguments, as plain data (a tree element's action). */
export type CommandCall = { [K in CommandId]: { readonly id: K; readonly args: CommandArgs[K] } }[CommandId];
