import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The server side of Kubernetes' exec streaming protocol over WebSocket, as kubectl 1.30+ speaks
 * it first (before falling back to SPDY): subprotocol `v5.channel.k8s.io` (or v4), binary frames
 * whose first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 the final Status as JSON), and
 * in v5 a close signal for one stream (`255, channel`: the client's stdin ended). Written here,
 * RFC 6455 framing included, because no WebSocket library is among the project's dependencies.
 */
export interface ExecStream {
  /** The subprotocol agreed. */
  protocol: string;
  onStdin(cb: (data: Buffer) => void): void;
  /** The client's stdin ended (v5 close signal) or the connection went away. */
  onStdinEnd(cb: () => void): void;
  /** The connection went away (kubectl exited or was killed). */
  onGone(cb: () => void): void;
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Sends the final Status (exit code 0: Success) and closes the connection. */
  finish(exitCode: number): void;
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Accepts the upgrade, or answers 400 when no subprotocol we speak is offered (kubectl then tries SPDY). */
export function acceptExec(req: IncomingMessage, socket: Duplex): ExecStream | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim());
  const protocol = PROTOCOLS.find((p) => offered.includes(p));
  const key = req.headers['sec-websocket-key'];
  if (!protocol || typeof key !== 'string' || String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nno supported subprotocol\n');
    return undefined;
  }
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);

  const stdin: ((d: Buffer) => void)[] = [];
  const stdinEnd: (() => void)[] = [];
  const gone: (() => void)[] = [];
  let ended = false;
  let closed = false;
  const endStdin = (): void => {
    if (ended) return;
    ended = true;
    for (const cb of stdinEnd) cb();
  };
  const goneNow = (): void => {
    if (closed) return;
    closed = true;
    endStdin();
    for (const cb of gone) cb();
  };
  const send = (opcode: number, payload: Buffer): void => {
    if (closed || socket.destroyed) return;
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(len)]);
    socket.write(Buffer.concat([head, payload]));
  };
  const onMessage = (opcode: number, payload: Buffer): void => {
    if (opcode === 0x8) {
      send(0x8, payload.subarray(0, 2));
      socket.end();
      goneNow();
    } else if (opcode === 0x9) send(0xa, payload);
    else if (opcode === 0x2 || opcode === 0x1) {
      const channel = payload[0];
      if (channel === 0) for (const cb of stdin) cb(payload.subarray(1));
      else if (channel === 255 && payload[1] === 0 && protocol === 'v5.channel.k8s.io') endStdin();
    }
  };

  let buf = Buffer.alloc(0);
  let fragments: Buffer[] = [];
  let fragOpcode = 0;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const fin = (buf[0]! & 0x80) !== 0;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskOff + (i % 4)]!;
      buf = buf.subarray(off + len);
      if (opcode >= 0x8) onMessage(opcode, payload);
      else if (!fin) {
        if (opcode !== 0) fragOpcode = opcode;
        fragments.push(payload);
      } else if (opcode === 0) {
        fragments.push(payload);
        onMessage(fragOpcode, Buffer.concat(fragments));
        fragments = [];
      } else onMessage(opcode, payload);
    }
  });
  // The server's sockets are half-open capable: a client that went away (kubectl killed: the
  // kernel closes its connection) is an 'end', which alone never becomes a 'close'.
  socket.on('end', () => {
    goneNow();
    socket.end();
  });
  socket.on('close', goneNow);
  socket.on('error', goneNow);

  return {
    protocol,
    onStdin: (cb) => stdin.push(cb),
    onStdinEnd: (cb) => stdinEnd.push(cb),
    onGone: (cb) => gone.push(cb),
    stdout: (d) => send(0x2, Buffer.concat([Buffer.from([1]), d])),
    stderr: (d) => send(0x2, Buffer.concat([Buffer.from([2]), d])),
    finish: (exitCode) => {
      // The kubelet's words, relayed by the API server: kubectl turns NonZeroExitCode into its own exit status.
      const status =
        exitCode === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [...], exit code ${exitCode}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
            };
      send(0x2, Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
      send(0x8, Buffer.from([0x03, 0xe8]));
      socket.end();
      closed = true;
    },
  };
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
