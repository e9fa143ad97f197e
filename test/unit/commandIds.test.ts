import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS, Commands } from '../../src/extension/commands/commandIds';

// The command ids of src/extension/commands/commandIds.ts against what names them outside the
// compiler's reach: package.json (its contributions, menus, welcome links) and string literals.
const REPO = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

interface MenuItem {
  command?: string;
  alt?: string;
}
interface Manifest {
  activationEvents?: string[];
  contributes: {
    commands: { command: string }[];
    menus?: Record<string, MenuItem[]>;
    keybindings?: MenuItem[];
    views?: Record<string, { id: string }[]>;
    viewsContainers?: Record<string, { id: string }[]>;
    viewsWelcome?: { view: string; contents: string }[];
  };
}
const manifest = JSON.parse(read('package.json')) as Manifest;
const nls = JSON.parse(read('package.nls.json')) as Record<string, string>;
const ours = new Set<string>(COMMAND_IDS);

/** Commands VS Code makes or ships that we may name: `<view id>.focus` for our views, vscode.*, workbench.*. */
const views = Object.values(manifest.contributes.views ?? {}).flatMap((vs) => vs.map((v) => v.id));
const isBuiltin = (id: string): boolean => /^(vscode|workbench)\./.test(id) || views.some((v) => id === `${v}.focus`);

/** The ids in `command:<id>` links (Markdown in welcome views, hovers and messages). */
const linkedCommands = (text: string): string[] => [...text.matchAll(/\]\(command:([\w.-]+)/g)].map((m) => m[1]!);

/** Text files under a folder of the repository, recursively (none when there is no such folder). */
function sourceFiles(dir: string, extensions: RegExp): string[] {
  if (!existsSync(join(REPO, dir))) return [];
  return (readdirSync(join(REPO, dir), { recursive: true }) as string[])
    .filter((f) => extensions.test(f))
    .map((f) => join(dir, f))
    .sort();
}

describe('command ids', () => {
  it('package.json contributes exactly the CommandIds of commandIds.ts, each once', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.deepEqual(
      contributed.filter((c, i) => contributed.indexOf(c) !== i),
      [],
      'contributed twice',
    );
    assert.deepEqual(
      contributed.filter((c) => !ours.has(c)),
      [],
      'contributed in package.json but not a CommandId (add it to Commands in commandIds.ts)',
    );
    assert.deepEqual(
      COMMAND_IDS.filter((c) => !contributed.includes(c)),
      [],
      'a CommandId that package.json does not contribute (add it to contributes.commands)',
    );
    assert.equal(new Set(Object.values(Commands)).size, Object.keys(Commands).length, 'two names for one id');
  });

  it('every command package.json refers to (menus, keybindings, activation, welcome links) is contributed', () => {
    const refs: { where: string; id: string }[] = [];
    for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) {
      for (const item of items) for (const id of [item.command, item.alt]) if (id !== undefined) refs.push({ where: `menus.${menu}`, id });
    }
    for (const k of manifest.contributes.keybindings ?? []) if (k.command !== undefined) refs.push({ where: 'keybindings', id: k.command.replace(/^-/, '') });
    for (const e of manifest.activationEvents ?? []) if (e.startsWith('onCommand:')) refs.push({ where: 'activationEvents', id: e.slice('onCommand:'.length) });
    for (const w of manifest.contributes.viewsWelcome ?? []) {
      // Welcome contents are usually a %key% of package.nls.json.
      const contents = w.contents.replace(/^%(.+)%$/, (_, key: string) => nls[key] ?? '');
      assert.ok(contents, `viewsWelcome of ${w.view}: ${w.contents} has no text`);
      for (const id of linkedCommands(contents)) refs.push({ where: `viewsWelcome ${w.view}`, id });
    }
    for (const [name, text] of [['package.json', read('package.json')], ['package.nls.json', read('package.nls.json')]] as const) {
      for (const id of linkedCommands(text)) refs.push({ where: `a command: link in ${name}`, id });
    }
    assert.ok(refs.length > 30, `${refs.length} references found: the walk missed the menus`);
    assert.deepEqual(
      refs.filter((r) => !ours.has(r.id)),
      [],
    );
  });

  it('source names our commands through Commands, runs them through executeCommand.ts and registers them only in registerCommands.ts', () => {
    const files = [...sourceFiles('src', /\.ts$/), ...sourceFiles('webview', /^src\/.*\.(ts|js|html|css)$/)];
    assert.ok(files.includes(join('src', 'extension', 'extension.ts')));
    const offences: string[] = [];
    for (const file of files) {
      if (file === join('src', 'extension', 'commands', 'commandIds.ts')) continue;
      const text = read(file);
      for (const m of text.matchAll(/(['"`])(cgroupForensics\.[\w.]+)\1/g)) {
        const id = m[2]!;
        const name = Object.entries(Commands).find(([, v]) => v === id)?.[0];
        if (name) offences.push(`${file}: '${id}' as a literal (use Commands.${name})`);
      }
      for (const m of text.matchAll(/executeCommand\(\s*(['"`])([^'"`]+)\1/g)) {
        if (!isBuiltin(m[2]!) && !ours.has(m[2]!)) offences.push(`${file}: executeCommand('${m[2]}') runs no command we contribute or VS Code has`);
      }
      for (const id of linkedCommands(text)) if (!ours.has(id) && !isBuiltin(id)) offences.push(`${file}: command:${id} links to no command`);
      // One way in and one way out: the wrapper registers, the typed helper runs.
      if (!file.endsWith(join('extension', 'commandWrapper.ts')) && /commands\.registerCommand\(/.test(text)) offences.push(`${file}: registers a command itself (add it to registerCommands.ts)`);
      if (!file.endsWith(join('commands', 'executeCommand.ts')) && /commands\.executeCommand\(/.test(text)) offences.push(`${file}: vscode.commands.executeCommand (use the typed executeCommand of commands/executeCommand.ts)`);
    }
    assert.deepEqual(offences, []);
  });

  it('the documentation names only commands that exist', () => {
    const docs = ['README.md', ...sourceFiles('docs', /\.md$/)];
    // `cgroupForensics.x` with one dot is a command or a view (settings have two dots).
    const containers = Object.values(manifest.contributes.viewsContainers ?? {}).flatMap((cs) => cs.map((c) => c.id));
    const names = new Set([...COMMAND_IDS, ...views, ...containers]);
    const unknown: string[] = [];
    for (const file of docs) {
      const text = read(file);
      for (const m of text.matchAll(/\b(cgroupForensics\.\w+)(?![\w.])/g)) if (!names.has(m[1]!)) unknown.push(`${file}: ${m[1]}`);
      for (const id of linkedCommands(text)) if (!ours.has(id) && !isBuiltin(id)) unknown.push(`${file}: command:${id}`);
    }
    assert.deepEqual(unknown, []);
  });
});
