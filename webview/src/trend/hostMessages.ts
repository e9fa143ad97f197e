import type { FromWebview, ToWebview } from '../../../src/protocol/trendProtocol';
import type { ReplyMessage } from '../../../src/protocol/messages';
import type { TrendView } from './trendView';

/** What the trend view does with each message from the host (replies go to their requests first). */
export function trendMessages(view: TrendView, post: (m: FromWebview) => void): (m: Exclude<ToWebview, ReplyMessage>) => void {
  return (m) => {
    switch (m.type) {
      case 'init':
        view.init(m.nodeId, m.label, m.sampling, m.samples);
        return;
      case 'append':
        view.append(m.sample, m.kept, m.sampling);
        return;
      case 'sampling':
        view.setSampling(m.sampling);
        return;
      default: {
        const never: never = m;
        post({ type: 'log', level: 'warn', message: `trend view: unhandled message ${JSON.stringify(never)}` });
      }
    }
  };
}
