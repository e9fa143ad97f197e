import type { FromWebview, ToWebview } from '../../../src/protocol/flameProtocol';
import type { ReplyMessage } from '../../../src/protocol/messages';
import type { FlameView } from './flameView';
import { SnapshotAssembler } from './model';

/**
 * What the flame view does with each message from the host (replies go to their requests first):
 * snapshots arrive in chunks and are assembled before the view sees them.
 */
export function flameMessages(view: FlameView, post: (m: FromWebview) => void): (m: Exclude<ToWebview, ReplyMessage>) => void {
  const assembler = new SnapshotAssembler();
  return (m) => {
    switch (m.type) {
      case 'snapshotBegin':
        if (m.role === 'current') performance.mark('flame-snapshot-begin');
        assembler.begin(m);
        return;
      case 'snapshotChunk': {
        const problem = assembler.chunk(m);
        if (problem) post({ type: 'log', level: 'warn', message: `flame view: ${problem}` });
        return;
      }
      case 'snapshotEnd': {
        const s = assembler.end(m.snapshotId);
        if (typeof s === 'string') {
          post({ type: 'log', level: 'warn', message: `flame view: ${s}` });
          return;
        }
        view.snapshot(s);
        return;
      }
      case 'focus':
        view.focus(m.hierarchy, m.path);
        return;
      case 'status':
        view.notice(m.message, m.level);
        return;
      default: {
        const never: never = m;
        post({ type: 'log', level: 'warn', message: `flame view: unhandled message ${JSON.stringify(never)}` });
      }
    }
  };
}
