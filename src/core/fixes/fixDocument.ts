/** A generated fix: a document for a person to review and apply; nothing here changes a node. */
export interface FixDocument {
  /** What it fixes: "cleanup", "kubelet", "containerd", "crio", "sysctl", "npd", "prometheus", "bpftrace". */
  kind: string;
  title: string;
  /** The file on the node the document replaces or adds, when it is one. */
  targetPath?: string;
  content: string;
  /** A unified diff against the node's own file, when the document patches one. */
  diff?: string;
  /**
   * For files re-emitted by a parser (TOML): a diff of the original, re-emitted the same way, against
   * the result, so only the change in meaning shows (the exact diff also shows the re-formatting).
   */
  meaningDiff?: string;
  /** Why, one line each, tied to findings or facts. */
  reasons: string[];
  /** How to apply it by hand. */
  apply: string[];
}
