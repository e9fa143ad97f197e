import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { cgroupMissing, cgroupMounts, needs } from '../support/prereq';
import { SshLab, TestSshd, hostBlock, sshdMissing } from '../support/sshd';
import { OUTPUT, e2eMissing, packageVsix } from './codeServer';
import { buildKubeletTree, type KubeletTree } from './kubeletTree';
import { openSession, type Session } from './session';
import type { Workbench } from './workbench';

/**
 * The packaged extension in a real VS Code (code-server 4.100.3) driven in headless Chromium as
 * a user: the view, the real kernel's cgroups of this machine with a kubelet-shaped tree built in
 * a sandbox, Detect Orphans from the palette, a generated fix. Screenshots of every step go to
 * test-output/e2e/workbench/.
 */
describe('e2e: the extension in code-server + Chromium', function () {
  // Generous: "This machine" is the whole machine, and a shared CI machine may hold big trees.
  this.timeout(600_000);
  let tree: KubeletTree | undefined;
  let session: Session | undefined;
  let wb: Workbench | undefined;
  let lab: SshLab | undefined;
  let sshd: TestSshd | undefined;
  const mounts = cgroupMounts();
  const SSH_ALIAS = 'cf-e2e-node';

  before(async function () {
    needs(this, e2eMissing() ?? (mounts.v2 ? cgroupMissing(mounts.v2) : 'no cgroup2 mount on this machine') ?? sshdMissing());
    const started = Date.now();
    rmSync(join(OUTPUT, 'workbench'), { recursive: true, force: true });
    const vsix = await packageVsix();
    tree = await buildKubeletTree(mounts.v2!);
    // An sshd on loopback, reached through an ssh config of the test's own (known_hosts empty,
    // so connecting asks about the host key as ssh would).
    lab = new SshLab();
    // Its sessions get a HOME of the test's own, so the login shell does not run this machine's
    // ~/.bashrc: root's here runs `pyenv init`, whose rehash waits 60 s on a lock that an SSH
    // session killed by an earlier test (sshd SIGSTOPped or killed mid-session) leaves behind.
    mkdirSync(lab.path('home'), { recursive: true });
    sshd = await TestSshd.start(lab, 'node', { config: [`SetEnv HOME=${lab.path('home')}`] });
    const sshConfig = lab.write('ssh_config', hostBlock(SSH_ALIAS, { port: sshd.port, identityFile: lab.userKey, knownHosts: lab.path('known_hosts') }));
    session = await openSession('workbench', vsix, {
      'cgroupForensics.ssh.configPath': sshConfig,
      'cgroupForensics.kubelet.rootDir': tree.kubeletDir,
      'cgroupForensics.tree.stat': 'procs',
    });
    wb = session.wb;
    console.log(`      (package, sandbox, install, start, open: ${Date.now() - started} ms)`);
  });

  after(async function () {
    if (wb && this.currentTest?.state === 'failed') await wb.screenshot('failure').catch(() => undefined);
    await session?.end();
    await sshd?.stop();
    lab?.remove();
    await tree?.cleanup();
  });

  afterEach(async function () {
    if (wb && this.currentTest?.state === 'failed') await wb.screenshot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  it('shows the Cgroup Forensics container with This machine in the Nodes view', async () => {
    const page = wb!.page;
    await page.locator('.activitybar [aria-label^="Cgroup Forensics"]').first().click();
    const nodes = wb!.pane('Nodes');
    await wb!.row(nodes, 'This machine').waitFor({ state: 'visible', timeout: 60_000 });
    await wb!.pane('Findings').waitFor({ state: 'visible' });
    await wb!.screenshot('view-open');
  });

  it('expands This machine into hierarchies and browses the kubelet-shaped tree lazily', async () => {
    const nodes = wb!.pane('Nodes');
    // The tree is virtual (only rows in view exist): give the Nodes view the whole side bar.
    await wb!.setPaneExpanded('Findings', false);
    await wb!.expand(wb!.row(nodes, 'This machine'));
    const unified = wb!.row(nodes, /^unified$/);
    await unified.waitFor({ state: 'visible', timeout: 240_000 });
    // A v1 controller hierarchy of the hybrid layout is listed too.
    await wb!.row(nodes, /^memory$/).waitFor({ state: 'visible' });
    await wb!.screenshot('this-machine-hierarchies');
    await wb!.expand(unified);
    await wb!.expand(wb!.row(nodes, tree!.top));
    await wb!.expand(wb!.row(nodes, 'kubepods.slice'));
    // Rows are labelled by kind and short identity, the full name in the description.
    await wb!.expand(wb!.row(nodes, 'burstable pods'));
    const live = wb!.row(nodes, `pod ${tree!.livePod.slice(0, 8)}…`);
    await wb!.expand(live);
    // The container row shows its process count (tree.stat = procs) and its kind.
    const container = nodes.locator('.monaco-list-row', { hasText: 'cri-containerd-' }).first();
    await container.waitFor({ state: 'visible' });
    assert.match((await container.textContent()) ?? '', /1 proc/);
    assert.match((await live.textContent()) ?? '', new RegExp(`pod ${tree!.livePod.slice(0, 8)}… burstable`));
    assert.match((await live.textContent()) ?? '', /0 procs here · 1 below/);
    await wb!.screenshot('kubelet-tree-expanded');
  });

  it('runs Detect Orphans from the command palette and lists the orphaned pod', async () => {
    const page = wb!.page;
    await wb!.runCommand('Cgroup Forensics: Detect Orphans');
    await page.locator('.notifications-toasts', { hasText: /orphaned cgroup/ }).first().waitFor({ timeout: 240_000 });
    // The orphan is marked in the Nodes tree (the command focused Findings: give Nodes the room).
    await wb!.setPaneExpanded('Findings', false);
    const nodes = wb!.pane('Nodes');
    const orphanRow = wb!.row(nodes, `pod ${tree!.orphanPod.slice(0, 8)}…`);
    // Polled through the locator: the virtual list replaces its row elements when the tree refreshes,
    // so a handle taken once can be a stale row that never changes.
    for (const deadline = Date.now() + 60_000; !/orphan/.test((await orphanRow.textContent().catch(() => '')) ?? ''); await page.waitForTimeout(250)) {
      assert.ok(Date.now() < deadline, 'the orphan row is marked as an orphan');
    }
    await wb!.screenshot('orphans-detected');
    // In the Findings view (a whole machine may have many findings), filter to this sandbox.
    await wb!.setPaneExpanded('Findings', true);
    await wb!.setPaneExpanded('Nodes', false);
    const findings = wb!.pane('Findings');
    // A click focuses the tree (and toggles the row): make sure it ends expanded.
    await wb!.row(findings, 'This machine').click();
    await wb!.expand(wb!.row(findings, 'This machine'));
    await page.keyboard.press('Control+Alt+F');
    // Findings rows lead with what and which pod (the tree's filter matches labels).
    await page.keyboard.type('orphaned pod');
    const orphan = findings.locator('.monaco-list-row', { hasText: `orphaned pod ${tree!.orphanPod.slice(0, 8)}…` }).first();
    await orphan.waitFor({ state: 'visible', timeout: 30_000 });
    // The live pod, which kubelet knows, is no finding.
    assert.equal(await findings.locator('.monaco-list-row', { hasText: `pod ${tree!.livePod.slice(0, 8)}…` }).count(), 0);
    await wb!.screenshot('findings-view');
    await page.keyboard.press('Escape');
    await wb!.setPaneExpanded('Nodes', true);
  });

  it('generates a cleanup script as a read-only shell script naming the orphan', async () => {
    await wb!.runCommand('Cgroup Forensics: Generate Fix');
    await wb!.pick('Cleanup script');
    const editor = wb!.page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ state: 'visible' });
    await wb!.page.locator('.view-lines', { hasText: 'rm_cgroup' }).first().waitFor({ timeout: 30_000 });
    const mode = wb!.page.locator('.statusbar [aria-label*="Shell Script"], .statusbar-item', { hasText: /Shell Script/ }).first();
    await mode.waitFor({ state: 'visible' });
    // The orphan's directory is in the script (scrolled into view by searching for it).
    await wb!.page.keyboard.press('Control+F');
    await wb!.page.keyboard.type(tree!.orphanPod.replace(/-/g, '_'));
    await wb!.page.locator('.find-widget .matchesCount', { hasText: /of/ }).first().waitFor({ timeout: 10_000 });
    assert.doesNotMatch((await wb!.page.locator('.find-widget .matchesCount').first().textContent()) ?? '', /No results/);
    await wb!.page.keyboard.press('Escape');
    await wb!.screenshot('cleanup-fix');
  });

  it('runs the cleanup script only after a modal naming the exact script, dry run first; the confirmation fits 1600×1000 and Enter/Escape never remove', async () => {
    const page = wb!.page;
    const orphanPath = join(tree!.sandbox.root, tree!.paths.orphanPod);
    // The size at which the old confirmation (the whole dry run in a modal) was 1,728 px tall.
    const viewport = { width: 1600, height: 1000 };
    await page.setViewportSize(viewport);
    /** Up to the confirmation: the script modal, Enter (its primary, harmless "Dry Run"), the dry run. */
    const confirmation = async (): Promise<{ digest: string; dialog: ReturnType<typeof page.locator> }> => {
      await wb!.runCommand('Cgroup Forensics: Run Cleanup Script on Node');
      const first = page.locator('.monaco-dialog-box', { hasText: 'Dry-run the cleanup script' });
      await first.waitFor({ state: 'visible', timeout: 120_000 });
      const modal = (await first.textContent()) ?? '';
      // The exact script is in a read-only editor the modal names, with its SHA-256.
      const digest = /SHA-256 ([0-9a-f]{16})…/.exec(modal)?.[1];
      assert.ok(digest, `the modal names the script by its SHA-256: ${modal}`);
      await page.locator('.tab', { hasText: `cleanup-${digest.slice(0, 12)}.sh` }).first().waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
      const dialog = page.locator('.monaco-dialog-box', { hasText: /Remove \d+ cgroup\(s\)( and stop \d+ systemd unit\(s\))? of/ });
      await dialog.waitFor({ state: 'visible', timeout: 120_000 });
      return { digest, dialog };
    };

    const { digest, dialog } = await confirmation();
    const text = (await dialog.textContent()) ?? '';
    assert.match(text, /The dry run would remove \d+ cgroup\(s\)/);
    assert.match(text, new RegExp(`SHA-256 ${digest}…`));
    // Short: the dialog and every one of its buttons are on screen.
    const box = await dialog.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, `the dialog fits the window: ${JSON.stringify(box)}`);
    const buttons = dialog.locator('.dialog-buttons .monaco-button');
    const labels = (await buttons.allTextContents()).map((l) => l.trim());
    assert.deepEqual([...labels].sort(), ['Keep Cgroups', 'Remove Cgroups', 'Show Dry-Run Output']);
    for (let i = 0; i < labels.length; i++) {
      const b = await buttons.nth(i).boundingBox();
      assert.ok(b && b.x >= 0 && b.y >= 0 && b.x + b.width <= viewport.width && b.y + b.height <= viewport.height, `button ${labels[i]} is on screen: ${JSON.stringify(b)}`);
    }
    // The focused button (what Enter presses) is not the destructive one.
    const focused = dialog.locator('.dialog-buttons .monaco-button:focus');
    assert.equal(await focused.count(), 1, 'one button has the focus');
    assert.equal(((await focused.textContent()) ?? '').trim(), 'Show Dry-Run Output');
    // The whole dry-run output is open beside it, read-only.
    await page.locator('.tab', { hasText: `cleanup-${digest.slice(0, 12)}.dry-run.txt` }).first().waitFor({ state: 'visible' });
    await page.locator('.view-lines', { hasText: 'would rmdir' }).first().waitFor({ timeout: 30_000 });
    await wb!.screenshot('cleanup-confirm-removal');
    await page.screenshot({ path: join(OUTPUT, 'cleanup-confirmation-1600x1000.png') });
    // Enter: the focused default shows the output; nothing is removed.
    await page.keyboard.press('Enter');
    // The output document gets the focus, and the same modal asks again (looking at the output
    // does not end the flow), its safe default focused again.
    await page.locator('.editor-group-container.active .tab.active', { hasText: 'dry-run.txt' }).waitFor({ timeout: 30_000 });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(((await dialog.textContent()) ?? '').includes(`SHA-256 ${digest}…`), true, 'the same confirmation');
    assert.equal(((await dialog.locator('.dialog-buttons .monaco-button:focus').textContent()) ?? '').trim(), 'Show Dry-Run Output');
    assert.ok(existsSync(orphanPath), 'Enter removed nothing');
    // Escape: the close affordance, "Keep Cgroups"; nothing is removed, and the flow ends.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForTimeout(500);
    assert.ok(existsSync(orphanPath), 'Escape removed nothing');
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal asks again after Keep');
    await page.setViewportSize({ width: 1400, height: 1100 });
  });

  it('connects to a node over SSH (sshd on loopback) after the user trusts its host key', async () => {
    const page = wb!.page;
    await page.keyboard.press('Escape');
    await wb!.setPaneExpanded('Findings', false);
    const nodes = wb!.pane('Nodes');
    // Make room: the local tree is long.
    await wb!.row(nodes, 'This machine').click();
    await page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'false', await wb!.row(nodes, 'This machine').elementHandle());
    await wb!.expand(wb!.row(nodes, 'SSH config hosts'));
    const host = wb!.row(nodes, SSH_ALIAS);
    await wb!.expand(host);
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'authenticity of host' });
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await dialog.textContent()) ?? '', /SHA256:/);
    await wb!.screenshot('ssh-host-key');
    await dialog.locator('.monaco-button', { hasText: 'Trust and Connect' }).click();
    // Connected: the node's hierarchies are listed under it, read over SSH.
    await wb!.row(nodes, /^unified$/).waitFor({ state: 'visible', timeout: 120_000 });
    assert.match((await host.textContent()) ?? '', /hybrid|v2|v1/);
    await wb!.screenshot('ssh-node-connected');
  });
  it('opens the flame view from the command palette and draws this machine', async () => {
    const page = wb!.page;
    await page.keyboard.press('Escape');
    await wb!.runCommand('Cgroup Forensics: Open Flame View');
    // The webview's inner frame: the one holding the flame page's status line and canvas.
    let status = '';
    for (const deadline = Date.now() + 240_000; !/cgroups/.test(status); await page.waitForTimeout(500)) {
      assert.ok(Date.now() < deadline, `the flame view showed a snapshot (status ${JSON.stringify(status)})`);
      for (const f of page.frames()) {
        if ((await f.locator('canvas.icicle-canvas').count().catch(() => 0)) === 0) continue;
        status = (await f.locator('#status').textContent().catch(() => '')) ?? '';
      }
    }
    assert.match(status, /\S+: [\d,]+ cgroups/);
    await wb!.screenshot('flame-view');
  });

  it('shows the cgroup trends of This machine from the command palette, and starts sampling from its empty state', async () => {
    const page = wb!.page;
    await page.keyboard.press('Escape');
    // The extension's contributions are in (when this step runs on its own, right after start-up).
    await page.locator('.activitybar [aria-label^="Cgroup Forensics"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    await wb!.runCommand('Cgroup Forensics: Show Cgroup Trends');
    // Several nodes (this machine, the SSH host): a quick pick; with one there is none.
    const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'This machine' }).first();
    if (await item.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false)) await item.click();
    /** The trend page's frame (webviews sit in nested iframes) and what it shows: the empty state or the chart. */
    interface TrendLook {
      frame: Frame;
      empty: string;
      lines: number;
    }
    const look = async (): Promise<TrendLook | undefined> => {
      for (const f of page.frames()) {
        if ((await f.locator('#growth-table').count().catch(() => 0)) === 0) continue;
        const empty = (await f.locator('#empty:visible #empty-text').textContent({ timeout: 1000 }).catch(() => '')) ?? '';
        const lines = await f.locator('#count-chart path.series-line').count().catch(() => 0);
        if (empty !== '' || lines > 0) return { frame: f, empty, lines };
      }
      return undefined;
    };
    const until = async (what: string, ok: (v: TrendLook) => boolean, ms: number): Promise<TrendLook> => {
      for (const deadline = Date.now() + ms; ; await page.waitForTimeout(500)) {
        const v = await look();
        if (v && ok(v)) return v;
        assert.ok(Date.now() < deadline, `the trend view showed ${what}`);
      }
    };
    const shown = await until('its empty state or chart', () => true, 120_000);
    await wb!.screenshot('trends-open');
    assert.equal(shown.lines, 0, 'a fresh profile has no samples: the empty state shows');
    assert.equal(shown.empty, 'No samples yet — start trend sampling on this node');
    // The button runs Start Trend Sampling for this node, which asks for the interval.
    await shown.frame.locator('#start-sampling').click();
    // (Not when the trends.sampleIntervalSeconds setting gives one.)
    const input = page.locator('.quick-input-widget .quick-input-box input');
    if (await input.waitFor({ state: 'visible', timeout: 60_000 }).then(() => true, () => false)) {
      await input.fill('5');
      await input.press('Enter');
    }
    const drawn = await until('a chart of the first sample', (v) => v.lines > 0, 120_000);
    assert.ok(drawn.lines >= 1);
    assert.match((await drawn.frame.locator('#status').textContent()) ?? '', /This machine · \d+ samples? · .* · sampling$/);
    await wb!.screenshot('trends-sampling');
    await wb!.runCommand('Cgroup Forensics: Stop Trend Sampling');
  });
});
