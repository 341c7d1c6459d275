// Global setup: a demo workspace (plus one hostile log file), `skylens serve` on a free port.
// Exposes SKYLENS_URL (with the token), SKYLENS_ORIGIN, SKYLENS_TOKEN, SKYLENS_WS and
// SKYLENS_XSS_REQUEST to the tests; the returned function stops the server.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const bin = process.env.SKYLENS_BIN ?? new URL('../../target/debug/skylens', import.meta.url).pathname;

/** The hostile request: its app log lines carry HTML and script. */
export const XSS_REQUEST = '7a1c9e42-5b3d-4f60-8e21-c0ffee000bad';
export const XSS_LINES = [
  '<img src=x onerror="window.__xss=1;alert(1)">',
  '<script>window.__xss=2;alert(2)</script>',
  '=HYPERLINK("http://evil.example","x")',
];

function hostileLogFile(dir: string): string {
  const t0 = Date.parse('2026-10-31T12:00:00Z');
  const rid = XSS_REQUEST;
  const lines = [
    `START RequestId: ${rid} Version: $LATEST`,
    ...XSS_LINES.map((m) => `2026-10-31T12:00:00.010Z\t${rid}\tERROR\t${m}`),
    `END RequestId: ${rid}`,
    `REPORT RequestId: ${rid}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB`,
  ];
  const events = lines.map((message, i) => ({
    logStreamName: '2026/10/31/[$LATEST]0123456789abcdef',
    timestamp: t0 + i,
    message: message + '\n',
    ingestionTime: t0 + 1000,
    eventId: `3${String(i).padStart(55, '0')}`,
  }));
  const p = join(dir, 'hostile.json');
  writeFileSync(p, JSON.stringify({ events, searchedLogStreams: [] }));
  return p;
}

export default async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'skylens-e2e-'));
  const ws = join(dir, 'ws');
  execFileSync(bin, ['demo', '--workspace', ws, '--requests', '2000', '--quiet'], { stdio: 'inherit' });
  execFileSync(bin, ['import', hostileLogFile(dir), '--workspace', ws, '--log-group', '/aws/lambda/hostile-fn'], {
    stdio: 'inherit',
  });
  const server = spawn(bin, ['serve', '--workspace', ws, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`skylens serve printed no URL: ${out}`)), 30_000);
    server.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = out.match(/Open (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`skylens serve exited with ${code}: ${out}`)));
  });
  const u = new URL(url);
  process.env.SKYLENS_URL = url;
  process.env.SKYLENS_ORIGIN = u.origin;
  process.env.SKYLENS_TOKEN = u.hash.replace('#token=', '');
  process.env.SKYLENS_WS = ws;
  process.env.SKYLENS_XSS_REQUEST = XSS_REQUEST;
  return async () => {
    server.kill('SIGTERM');
  };
}
