import assert from 'node:assert/strict';
import { documentFileName, documentTitle, fixTitle, safeFileName } from '../../src/extension/fixes/documentTitles';

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

  it('have one file name each (the tab and Save As…), from the same parts as the title, in plain characters', () => {
    const at = new Date(2026, 11, 3, 19, 40, 59);
    assert.equal(documentFileName('evidence', 'node1', at), 'evidence-node1-19-40');
    assert.equal(documentFileName('churn', 'This machine', new Date(2026, 11, 3, 7, 5)), 'churn-This-machine-07-05');
    assert.equal(documentFileName('evidence', 'ops/node\\1 ../x', at), 'evidence-ops-node-1-..-x-19-40');
    // Opening does not rename it again: what the function makes is the name Save As… offers.
    assert.equal(safeFileName(documentFileName('evidence', 'ops/node\\1', at)), documentFileName('evidence', 'ops/node\\1', at));
  });
});
