// Drive the real Skylens window through WebDriver: tauri-driver (127.0.0.1:4444) starts the app
// under WebKitWebDriver; this script talks W3C WebDriver to it with plain fetch (no client
// library). Run by tests/desktop/run.sh inside Xvfb.
//
//   node webdriver.mjs APP_BINARY REQUEST_ID ARTIFACT_DIR
//
// Checks, on the workspace the app opened ($SKYLENS_WORKSPACE, set by run.sh):
//   1. the overview screen shows, with the invocation total the CLI counts ($EXPECTED_INVOCATIONS,
//      when set) and a row per function;
//   2. navigating to Investigate and searching REQUEST_ID (an invocation of that workspace)
//      draws waterfall rows;
//   3. a screenshot through WebDriver (ARTIFACT_DIR/desktop-webdriver.png).
// Any failure exits non-zero with what was expected.

import { writeFileSync } from "node:fs";
import { join } from "node:path";

const [app, requestId, artifacts] = process.argv.slice(2);
if (!app || !requestId || !artifacts) {
  console.error("usage: node webdriver.mjs APP_BINARY REQUEST_ID ARTIFACT_DIR");
  process.exit(2);
}
const DRIVER = process.env.TAURI_DRIVER_URL ?? "http://127.0.0.1:4444";
// The W3C web element reference key.
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

async function wd(method, path, body) {
  const res = await fetch(DRIVER + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value ?? {};
    throw new Error(`${method} ${path}: HTTP ${res.status} ${v.error ?? ""} ${v.message ?? ""}`.trim());
  }
  return json.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a truthy value (or throws on timeout with the last error). */
async function until(what, fn, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

let session;
const find = (css) => wd("POST", `/session/${session}/element`, { using: "css selector", value: css }).then((e) => e[ELEMENT]);
const findAll = (css) =>
  wd("POST", `/session/${session}/elements`, { using: "css selector", value: css }).then((es) => es.map((e) => e[ELEMENT]));
const attr = (el, name) => wd("GET", `/session/${session}/element/${el}/attribute/${name}`);
const text = (el) => wd("GET", `/session/${session}/element/${el}/text`);

async function main() {
  const t0 = Date.now();
  const created = await until(
    "a WebDriver session",
    () =>
      wd("POST", "/session", {
        capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: app } } },
      }),
    30_000,
  );
  session = created.sessionId;
  console.log(`webdriver: session ${session} in ${Date.now() - t0} ms`);

  // 1. Overview, with totals from the backend.
  await until("the overview screen", () => find('[data-testid="screen-overview"]'));
  const total = await until("the invocations total", () => find('[data-testid="total-invocations"]'));
  const value = Number(await until("the total's value", () => attr(total, "data-value")));
  const shown = await text(total);
  console.log(`webdriver: overview shows invocations = ${value} (${shown.replace(/\s+/g, " ")})`);
  const expected = Number(process.env.EXPECTED_INVOCATIONS);
  if (!(value > 0)) throw new Error(`expected a positive invocation total, got ${value}`);
  if (expected && value !== expected) throw new Error(`the overview shows ${value} invocations; the CLI counts ${expected}`);
  const rows = await findAll('[data-testid="table-overview"] tbody tr');
  if (rows.length === 0) throw new Error("the overview's function table is empty");
  console.log(`webdriver: ${rows.length} function rows`);

  // 2. Investigate one request.
  await wd("POST", `/session/${session}/element/${await find('[data-testid="nav-investigate"]')}/click`, {});
  const input = await until("the investigate input", () => find('[data-testid="investigate-input"]'));
  await wd("POST", `/session/${session}/element/${input}/value`, { text: requestId });
  await wd("POST", `/session/${session}/element/${await find('[data-testid="investigate-submit"]')}/click`, {});
  const wf = await until("waterfall rows", async () => {
    const rs = await findAll('[data-testid="wf-row"]');
    return rs.length > 0 ? rs : null;
  });
  const first = (await text(wf[0])).replace(/\s+/g, " ").slice(0, 100);
  console.log(`webdriver: investigate ${requestId}: ${wf.length} waterfall rows; first: ${first}`);

  // 3. Screenshot of the window as WebDriver sees it.
  const png = Buffer.from(await wd("GET", `/session/${session}/screenshot`), "base64");
  if (png.length < 10_000) throw new Error(`the screenshot is suspiciously small (${png.length} bytes)`);
  const out = join(artifacts, "desktop-webdriver.png");
  writeFileSync(out, png);
  console.log(`webdriver: screenshot ${out} (${png.length} bytes)`);
}

try {
  await main();
  console.log("webdriver: ok");
} catch (e) {
  console.error(`webdriver: FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (session) await wd("DELETE", `/session/${session}`).catch(() => {});
}
