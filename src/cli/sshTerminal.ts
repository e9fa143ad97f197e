import { createInterface } from 'node:readline';
import type { HostKeyAnswer, HostKeyQuestion, SshInteraction } from '../core/transport/ssh/sshInteraction';

/**
 * The CLI's answers to the SSH transport's questions: on a terminal it asks as ssh does (a new
 * host key, a key passphrase, a password, with input hidden); without one it declines, so a
 * script never hangs on a prompt. Secrets go straight to the transport and are never logged.
 */
export function terminalInteraction(): SshInteraction {
  const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return {
    async confirmHostKey(q: HostKeyQuestion): Promise<HostKeyAnswer> {
      const intro = `The authenticity of host '${q.host}' (${q.alias}) can't be established.\n${q.keyTypeLabel} key fingerprint is ${q.fingerprint}.\n${
        q.otherTypes.length ? `Keys of other types (${q.otherTypes.join(', ')}) are already known for this host.\n` : ''
      }`;
      if (!tty) return { accepted: false, reason: 'there is no terminal to ask on; check the fingerprint and rerun with --accept-new to trust this host on first use' };
      process.stderr.write(intro);
      for (;;) {
        const a = (await ask('Are you sure you want to continue connecting (yes/no)? ', false))?.trim().toLowerCase();
        if (a === 'yes') return { accepted: true };
        if (a === undefined || a === 'no') return { accepted: false, reason: 'declined' };
        process.stderr.write("Please type 'yes' or 'no'.\n");
      }
    },
    async passphrase(q) {
      if (!tty) return undefined;
      return ask(`${q.retry ? 'Bad passphrase, try again' : 'Enter passphrase'} for key '${q.keyFile}': `, true);
    },
    async password(q) {
      if (!tty) return undefined;
      return ask(`${q.user}@${q.host}'s password: `, true);
    },
    async keyboardInteractive(q) {
      if (!tty) return undefined;
      if (q.instructions) process.stderr.write(`${q.instructions}\n`);
      const answers: string[] = [];
      for (const p of q.prompts) {
        const a = await ask(p.prompt, !p.echo);
        if (a === undefined) return undefined;
        answers.push(a);
      }
      return answers;
    },
  };
}

/** One line from the terminal; hidden input echoes nothing. Ctrl-C or Ctrl-D declines. */
function ask(prompt: string, hidden: boolean): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    if (hidden) {
      const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
      out._writeToOutput = (s: string) => {
        if (s.includes(prompt)) process.stderr.write(prompt);
        else if (s.includes('\n') || s.includes('\r')) process.stderr.write('\n');
      };
    }
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      if (!answered) {
        process.stderr.write('\n');
        resolve(undefined);
      }
    });
    rl.question(prompt, (a) => {
      answered = true;
      rl.close();
      resolve(a);
    });
  });
}
