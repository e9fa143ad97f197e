import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT, installVsix, makeProfile, startCodeServer, type Profile, type Server } from './codeServer';
import { Workbench } from './workbench';

/**
 * One user's session of the packaged extension: a fresh profile with the given settings, the
 * .vsix installed, code-server started and the workbench open in Chromium. `end` keeps what a
 * failure needs (the browser console, code-server's output, the workbench logs) in
 * test-output/e2e/NAME/ and removes the profile.
 */
export interface Session {
  profile: Profile;
  server: Server;
  wb: Workbench;
  end(): Promise<void>;
}

export async function openSession(name: string, vsix: string, settings: Record<string, unknown>, viewport?: { width: number; height: number }): Promise<Session> {
  const profile = makeProfile(settings);
  let server: Server | undefined;
  try {
    await installVsix(profile, vsix);
    server = await startCodeServer(profile);
    const wb = await Workbench.open(server.url, name, undefined, viewport);
    const started = server;
    return {
      profile,
      server,
      wb,
      async end() {
        const out = join(OUTPUT, name);
        writeFileSync(join(out, 'console.log'), wb.consoleLines.join('\n') + '\n');
        await wb.close();
        writeFileSync(join(out, 'code-server.log'), started.output());
        await started.stop();
        cpSync(join(profile.userDataDir, 'logs'), join(out, 'logs'), { recursive: true });
        profile.remove();
      },
    };
  } catch (e) {
    await server?.stop();
    profile.remove();
    throw e;
  }
}
