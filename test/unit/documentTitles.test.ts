import assert from 'node:assert/strict';
import { documentTitle, fixTitle } from '../../src/extension/fixes/documentTitles';

describe('editor tab titles of generated documents', () => {
  it('say what, on which node, and when where it matters, in a few words', () => {
    assert.equal(fixTitle('kubelet', 'node1'), 'fix kubelet — node1');
    assert.equal(fixTitle('containerd', 'This machine'), 'fix containerd — This machine');
    assert.equal(documentTitle('evidence', 'node1', new Date(2026, 11, 3, 19, 40, 59)), 'evidence — node1 19:40');
    assert.equal(documentTitle('churn', 'node1', new Date(2026, 11, 3, 7, 5)), 'churn — node1 07:05');
  });

  it('stay one path segment whatever the node is called (a tab shows the last one)', () => {
    assert.equal(documentTitle('evidence', 'ops/node\\1'), 'evidence — ops∕node∕1');
  });
});
