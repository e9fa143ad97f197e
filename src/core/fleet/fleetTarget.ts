import type { NodeAddress } from '../investigation/kubeLookup';
import type { Transport } from '../transport/transport';

/**
 * One node of a fleet, as a target source lists it: a name for the table and a way to open the
 * transport the investigation runs over. Opening may fail (a config that does not resolve the
 * node): that node is reported as not reached, and the others go on.
 */
export interface FleetTarget {
  /** The node as the source names it (an ssh alias, user@host:port, a Kubernetes node name). Untrusted. */
  name: string;
  /** How it is reached before it is opened ("ssh"), for a node that fails to open. */
  via: string;
  /** Opens the node's transport; the fleet runner disposes it when the node is done. */
  open(signal: AbortSignal): Promise<OpenedTarget>;
  /** Names the Kubernetes API may know the node by. */
  node?: NodeAddress;
  /** Where the node's / is for its programs (/host in a Kubernetes pod); absent: the programs run on the node itself. */
  hostRoot?: string;
}

export interface OpenedTarget {
  transport: Transport;
  /** How the node was reached, for the table: "ssh root@10.0.3.7:22", "kubectl pod on node-3". */
  reachedBy: string;
}

/**
 * Where a fleet's nodes come from: a file of hosts, the aliases of an ssh_config matching a
 * pattern, the nodes of a Kubernetes cluster. Each source lists targets that produce
 * transports; the fleet runner does not know which kind it has. Listing fails as a value
 * (a file that cannot be read, an API that refuses), said in one line.
 */
export interface TargetSource {
  /** How the user named the source, for messages: "--hosts-file hosts.txt". */
  readonly label: string;
  list(signal: AbortSignal): Promise<TargetList>;
  /** Waits until what its nodes left behind is gone (a Kubernetes node's pod); absent: nothing to wait for. */
  close?(): Promise<void>;
}

export type TargetList = { ok: true; targets: FleetTarget[] } | { ok: false; message: string };
