import type { FixKind } from './fixCatalog';

/** A generated fix: a document for a person to review and apply; nothing here changes a node. */
export interface FixDocument {
  /** The kind of fix it is (fixCatalog.ts): its language and wording come from there. `fix driver` makes kubelet's and the runtime's. */
  kind: FixKind;
  title: string;
  /** The file on the node the document replaces or adds, when it is one. */
  targetPath?: string;
  /** The whole file as it should be (for a patch: the node's own file with the change applied). */
  content: string;
  /**
   * A unified diff against the node's own file, when the document patches one: paths `a/etc/...`
   * and `b/etc/...` (a new file: `/dev/null`), so `patch -p1` run from `/` applies it.
   */
  diff?: string;
  /**
   * Set when nothing is to be applied: the node's file already says what the fix would, or
   * (sysctl) no finding calls for a change. Says why, in one line ("/etc/containerd/config.toml
   * already sets SystemdCgroup = true"); a diff is then empty. Content is then the node's file as
   * it is, empty, or (sysctl) a document of its own saying why (fixHeader.ts onlyNoChange).
   */
  noChange?: string;
  /** Why, one line each, tied to findings or facts. */
  reasons: string[];
  /** How to apply it by hand. */
  apply: string[];
}

/**
 * A fix cannot be made because a file it must patch cannot be read or parsed. The message is one
 * line and names the file ("cannot parse /etc/containerd/config.toml: not valid TOML: ..."); the
 * CLI prints it and exits 3, the extension shows it.
 */
export class FixInputError extends Error {
  override name = 'FixInputError';
}
