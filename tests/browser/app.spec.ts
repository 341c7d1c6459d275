// The UI in Chromium against `skylens serve` on the demo workspace: every screen renders with
// the CLI's numbers, investigate and exports work, hostile log text stays text, and the API
// refuses requests without the token or from another origin.
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { artifacts } from './playwright.config';
import { bin, XSS_LINES } from './setup';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} not set by setup.ts`);
  return v;
};

type Row = Record<string, string | number | boolean | null>;
/** A report as the CLI prints it (`--format json`). */
function cli(...args: string[]): Row[] {
  const out = execFileSync(bin, [...args, '--format', 'json', '--workspace', env('SKYLENS_WS')]);
  return JSON.parse(out.toString());
}

mkdirSync(`${artifacts}/screens`, { recursive: true });
async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${artifacts}/screens/${name}.png`, fullPage: true });
}

/** Open the app (the token URL), fail the test on any page error or dialog. */
async function open(page: Page, route = '') {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  await page.goto(env('SKYLENS_URL'));
  await expect(page.getByTestId('screen-overview')).toBeVisible();
  if (route) await page.goto(`${env('SKYLENS_ORIGIN')}/${route}`);
  return problems;
}

/** A CLI JSON value as the UI's `data-value` spells it (null is empty). */
const v = (x: unknown) => (x === null || x === undefined ? '' : String(x));

/** The values of one column of a rendered table, as the backend sent them. */
async function column(page: Page, table: string, col: string): Promise<string[]> {
  return page.getByTestId(table).locator(`td[data-col="${col}"]`).evaluateAll((tds) =>
    tds.map((td) => td.getAttribute('data-value') ?? ''),
  );
}

test('overview shows the CLI figures', async ({ page }) => {
  const problems = await open(page);
  const latency = cli('report', 'latency');
  const total = latency.reduce((s, r) => s + Number(r.invocations), 0);
  const errors = latency.reduce((s, r) => s + Number(r.errors), 0);
  await expect(page.getByTestId('total-invocations')).toHaveAttribute('data-value', String(total));
  await expect(page.getByTestId('total-errors')).toHaveAttribute('data-value', String(errors));
  const cold = cli('report', 'cold-starts').reduce((s, r) => s + Number(r.cold_starts), 0);
  await expect(page.getByTestId('total-cold-starts')).toHaveAttribute('data-value', String(cold));
  // Per function: p99 as the latency report gives it.
  const p99 = await column(page, 'table-overview', 'p99_ms');
  const fns = await column(page, 'table-overview', 'function');
  expect(fns).toEqual(latency.map((r) => v(r.function)));
  expect(p99).toEqual(latency.map((r) => v(r.p99_ms)));
  await expect(page.getByTestId('table-overview').locator('svg.spark polyline').first()).toBeVisible();
  await shot(page, 'overview');
  expect(problems).toEqual([]);
});

test('latency screen: CLI percentiles, chart, slowest invocations link to investigate', async ({ page }) => {
  const problems = await open(page, '#/latency');
  await expect(page.getByTestId('screen-latency')).toBeVisible();
  const latency = cli('report', 'latency');
  await expect(page.getByTestId('table-latency').locator('td[data-col="p50_ms"]').first()).toBeVisible();
  expect(await column(page, 'table-latency', 'p50_ms')).toEqual(latency.map((r) => v(r.p50_ms)));
  expect(await column(page, 'table-latency', 'p90_ms')).toEqual(latency.map((r) => v(r.p90_ms)));
  await expect(page.getByTestId('chart-img-latency')).toBeVisible();
  const slowest = cli('report', 'slowest-invocations');
  const ids = await column(page, 'table-slowest-invocations', 'request_id');
  expect(ids.slice(0, 10)).toEqual(slowest.slice(0, 10).map((r) => v(r.request_id)));
  await shot(page, 'latency');
  // The first slowest request opens in Investigate.
  await page.getByTestId('table-slowest-invocations').locator('td[data-col="request_id"] a').first().click();
  await expect(page.getByTestId('screen-investigate')).toBeVisible();
  await expect(page.getByTestId('wf-row').first()).toBeVisible();
  expect(problems).toEqual([]);
});

test('cold starts and spend screens match the CLI', async ({ page }) => {
  const problems = await open(page, '#/cold-starts');
  await expect(page.getByTestId('screen-cold-starts')).toBeVisible();
  const cs = cli('report', 'cold-starts');
  await expect(page.getByTestId('table-cold-starts').locator('td').first()).toBeVisible();
  expect(await column(page, 'table-cold-starts', 'cold_starts')).toEqual(cs.map((r) => v(r.cold_starts)));
  expect(await column(page, 'table-cold-starts', 'warm_p50_ms')).toEqual(cs.map((r) => v(r.warm_p50_ms)));
  await expect(page.getByTestId('chart-img-cold-start-histogram')).toBeVisible();
  await shot(page, 'cold-starts');

  await page.goto(`${env('SKYLENS_ORIGIN')}/#/spend`);
  await expect(page.getByTestId('screen-spend')).toBeVisible();
  const cpf = cli('report', 'cost-per-function');
  await expect(page.getByTestId('table-cost-per-function').locator('td').first()).toBeVisible();
  expect(await column(page, 'table-cost-per-function', 'usd_per_million')).toEqual(
    cpf.map((r) => v(r.usd_per_million)),
  );
  const byService = cli('report', 'spend', '--by', 'service');
  const amounts = byService.map((r) => v(r.amount));
  const shown = await page.locator('[data-testid^="table-spend"] td[data-col="amount"]').evaluateAll((tds) =>
    tds.map((td) => td.getAttribute('data-value') ?? ''),
  );
  for (const a of amounts) expect(shown).toContain(a);
  await expect(page.getByTestId('chart-img-spend')).toBeVisible();
  await shot(page, 'spend');
  expect(problems).toEqual([]);
});

test('service map: nodes with health, failing edges, node detail', async ({ page }) => {
  const problems = await open(page, '#/service-map');
  await expect(page.getByTestId('screen-service-map')).toBeVisible();
  const nodes = cli('report', 'service-map-nodes');
  await expect(page.getByTestId('map-node').first()).toBeVisible();
  expect(await page.getByTestId('map-node').count()).toBe(nodes.length);
  const edges = cli('report', 'service-map-edges');
  expect(await page.getByTestId('map-edge').count()).toBe(edges.length);
  await shot(page, 'service-map');
  // The busiest non-client node opens its detail.
  const busiest = nodes.filter((n) => n.type !== 'client').sort((a, b) => Number(b.requests) - Number(a.requests))[0];
  await page.getByTestId('map-node').filter({ hasText: String(busiest.service) }).first().click();
  await expect(page.getByTestId('node-panel')).toBeVisible();
  await expect(page.getByTestId('node-histogram')).toBeVisible();
  await shot(page, 'service-map-node');
  expect(problems).toEqual([]);
});

test('investigate: waterfall and timeline match the CLI', async ({ page }) => {
  const problems = await open(page, '#/investigate');
  const traced = cli('query', '--sql', 'SELECT request_id FROM invocations WHERE trace_id IS NOT NULL ORDER BY duration_ms DESC LIMIT 1');
  const id = String(traced[0].request_id);
  await page.getByTestId('investigate-input').fill(id);
  await page.getByTestId('investigate-input').press('Enter');
  await expect(page.getByTestId('wf-row').first()).toBeVisible();
  const timeline = cli('investigate', id);
  await expect(page.getByTestId('investigate-row-count')).toContainText(String(timeline.length));
  await shot(page, 'investigate');
  // An unknown ID: a clear message, no crash.
  await page.getByTestId('investigate-input').fill('no-such-request-id');
  await page.getByTestId('investigate-input').press('Enter');
  await expect(page.locator('[data-code="not_found"]')).toBeVisible();
  expect(problems).toEqual([]);
});

test('hostile log lines are shown as text and run nothing', async ({ page }) => {
  const problems = await open(page, `#/investigate/${env('SKYLENS_XSS_REQUEST')}`);
  await expect(page.getByTestId('wf-row').first()).toBeVisible();
  for (const line of XSS_LINES) {
    await expect(page.getByText(line, { exact: false }).first()).toBeVisible();
  }
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator('body script:not([src])').count()).toBe(0);
  await shot(page, 'xss');
  expect(problems).toEqual([]);
});

test('exports: CSV of a table is the CLI CSV, charts save as SVG and PNG', async ({ page }) => {
  const problems = await open(page, '#/latency');
  const table = page.getByTestId('table-latency');
  await expect(table.locator('td').first()).toBeVisible();
  const [csv] = await Promise.all([page.waitForEvent('download'), table.getByTestId('export-csv').click()]);
  expect(csv.suggestedFilename()).toBe('latency.csv');
  const text = readFileSync(await csv.path()).toString();
  const expected = execFileSync(bin, ['report', 'latency', '--format', 'csv', '--workspace', env('SKYLENS_WS')]).toString();
  expect(text).toBe(expected);
  const chart = page.getByTestId('chart-latency');
  const [svg] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('save-svg').click()]);
  expect(readFileSync(await svg.path()).toString()).toMatch(/^<svg/);
  const [png] = await Promise.all([page.waitForEvent('download'), chart.getByTestId('save-png').click()]);
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
  expect(problems).toEqual([]);
});

test('sources screen shows the workspace', async ({ page }) => {
  const problems = await open(page, '#/sources');
  await expect(page.getByTestId('screen-sources')).toBeVisible();
  const n = cli('query', '--sql', 'SELECT COUNT(*) AS n FROM invocations')[0].n;
  await expect(page.getByTestId('frame-invocations')).toHaveAttribute('data-value', String(n));
  await expect(page.getByTestId('aws-profile')).toBeVisible();
  await shot(page, 'sources');
  expect(problems).toEqual([]);
});

/** A raw HTTP request, so the Host and Origin headers can be forged. */
function raw(path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(env('SKYLENS_ORIGIN'));
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: '127.0.0.1', port: u.port, path, method: 'POST', headers: { 'content-length': '2', ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    r.on('error', reject);
    r.end('{}');
  });
}

test('the API refuses a missing token, a foreign Host and a foreign Origin', async () => {
  const host = new URL(env('SKYLENS_ORIGIN')).host;
  const auth = { authorization: `Bearer ${env('SKYLENS_TOKEN')}` };
  expect(await raw('/api/workspace_info', { host, ...auth })).toBe(200);
  expect(await raw('/api/workspace_info', { host })).toBe(401);
  expect(await raw('/api/workspace_info', { host, authorization: 'Bearer 00' })).toBe(401);
  expect(await raw('/api/workspace_info', { host: 'evil.example', ...auth })).toBe(403);
  expect(await raw('/api/workspace_info', { host, origin: 'http://evil.example', ...auth })).toBe(403);
  expect(await raw('/api/workspace_info', { host: `attacker.example:${new URL(env('SKYLENS_ORIGIN')).port}`, ...auth })).toBe(403);
});
