import type { CommandCall } from '../commands/commandIds';

/**
 * The elements of the Nodes tree: plain data naming what they show, so the same element can be
 * rebuilt after a refresh. Ids are node + hierarchy + cgroup path, which keeps expansion and
 * selection across snapshots.
 */
export type NodesElement =
  | { type: 'node'; nodeId: string }
  | { type: 'sshConfig' }
  /** The current kube context's nodes (kube/clusterEntry.ts). */
  | { type: 'cluster' }
  | { type: 'message'; parentId: string; key: string; text: string; tone: 'info' | 'error' | 'progress' | 'warning' | 'action'; command?: CommandCall }
  | { type: 'hierarchy'; nodeId: string; hierarchy: string }
  | { type: 'cgroup'; nodeId: string; hierarchy: string; path: string }
  | { type: 'more'; nodeId: string; hierarchy: string; parentPath: string; shown: number; total: number };

export type CgroupElement = Extract<NodesElement, { type: 'cgroup' }>;

export function elementId(e: NodesElement): string {
  switch (e.type) {
    case 'node':
      return `node/${e.nodeId}`;
    case 'sshConfig':
      return 'ssh-config';
    case 'cluster':
      return 'cluster';
    case 'message':
      return `msg/${e.parentId}/${e.key}`;
    case 'hierarchy':
      return `h/${e.nodeId}\u0000${e.hierarchy}`;
    case 'cgroup':
      return `cg/${e.nodeId}\u0000${e.hierarchy}\u0000${e.path}`;
    case 'more':
      return `more/${e.nodeId}\u0000${e.hierarchy}\u0000${e.parentPath}`;
  }
}

/** The parent path of a relative cgroup path ("/a/b" -> "/a", "/a" -> "/"). */
export function parentPath(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
