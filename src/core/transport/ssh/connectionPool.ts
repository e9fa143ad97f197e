import { SshConnection, type ConnectionOptions } from './sshConnection';
import type { Route } from './resolveRoute';

interface Entry {
  users: number;
  current: SshConnection | undefined;
  opening: Promise<SshConnection> | undefined;
}

/**
 * One connection per node, shared by every transport to it. A connection that died or was
 * retired is replaced on the next use; when the last user lets go, it is closed.
 */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry>();

  join(key: string): void {
    const e = this.entries.get(key);
    if (e) e.users++;
    else this.entries.set(key, { users: 1, current: undefined, opening: undefined });
  }

  leave(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (--e.users > 0) return;
    this.entries.delete(key);
    e.current?.close();
    e.opening?.then((c) => c.close(), () => undefined);
  }

  async get(key: string, route: () => Promise<Route>, options: ConnectionOptions): Promise<SshConnection> {
    let e = this.entries.get(key);
    if (!e) {
      this.join(key);
      e = this.entries.get(key)!;
    }
    if (e.current?.usable) return e.current;
    if (!e.opening) {
      const entry = e;
      entry.opening = route()
        .then((r) => SshConnection.open(r, options))
        .then(
          (c) => {
            entry.current = c;
            entry.opening = undefined;
            // A transport disposed while we were connecting leaves nobody to use the connection.
            if (this.entries.get(key) !== entry) c.close();
            return c;
          },
          (err: unknown) => {
            entry.opening = undefined;
            throw err;
          },
        );
    }
    return e.opening!;
  }
}

export const defaultPool = new ConnectionPool();
