// HttpBackend against a stubbed fetch: the token taken from the address bar, the bearer header
// and JSON body sent, and failures turned into {code, message}.

import { afterEach, describe, expect, it, vi } from "vitest";
import { HttpBackend, PULL_POLL_MS, TOKEN_KEY, inTauri, takeToken, toWireError } from "../src/api/backend";
import type { PullStatus } from "../src/api/types";

type Call = { url: string; init: RequestInit };

/** A fetch stub answering each call with the next response; records the calls. */
function stubFetch(...responses: (Response | Error)[]) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const r = responses.shift();
    if (!r) throw new Error("no more responses");
    if (r instanceof Error) throw r;
    return r;
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe("takeToken", () => {
  it("takes #token=… into sessionStorage and removes it from the address bar", () => {
    const storage = memoryStorage();
    const replaceState = vi.fn();
    const token = takeToken(
      { hash: "#token=s3cr3t-T0ken", pathname: "/", search: "" },
      storage,
      { replaceState, state: null },
    );
    expect(token).toBe("s3cr3t-T0ken");
    expect(storage.m.get(TOKEN_KEY)).toBe("s3cr3t-T0ken");
    expect(replaceState).toHaveBeenCalledTimes(1);
    const url = replaceState.mock.calls[0][2] as string;
    expect(url).toBe("/");
    expect(url).not.toContain("token");
  });

  it("keeps the stored token when the hash is a route", () => {
    const storage = memoryStorage();
    storage.setItem(TOKEN_KEY, "earlier");
    const replaceState = vi.fn();
    const token = takeToken({ hash: "#/latency", pathname: "/", search: "" }, storage, { replaceState, state: null });
    expect(token).toBe("earlier");
    expect(replaceState).not.toHaveBeenCalled();
  });

  it("works with the real window objects (jsdom)", () => {
    window.history.replaceState(null, "", "/#token=abc123");
    expect(takeToken()).toBe("abc123");
    expect(window.location.hash).toBe("");
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBe("abc123");
  });

  it("is null without a token anywhere", () => {
    expect(takeToken({ hash: "", pathname: "/", search: "" }, memoryStorage(), { replaceState: vi.fn(), state: null })).toBeNull();
  });
});

describe("HttpBackend", () => {
  afterEach(() => vi.useRealTimers());

  it("POSTs the argument as JSON with the bearer token", async () => {
    const info = { path: "/ws", frames: [], first: null, last: null, sources: 0, functions: [] };
    const { fetch, calls } = stubFetch(json(info), json({ name: "latency", columns: [], kinds: [], rows: [] }));
    const be = new HttpBackend({ token: "tok", fetch });

    expect(await be.workspace_info()).toEqual(info);
    expect(calls[0].url).toBe("/api/workspace_info");
    expect(calls[0].init.method).toBe("POST");
    const h = calls[0].init.headers as Record<string, string>;
    expect(h.Authorization).toBe("Bearer tok");
    expect(h["Content-Type"]).toBe("application/json");
    expect(calls[0].init.body).toBe("{}");

    const req = { name: "latency", range: { from: "2026-10-03T00:00:00Z", to: null }, bucket: null, by: null, metric: null, bin_ms: null };
    await be.report(req);
    expect(calls[1].url).toBe("/api/report");
    expect(JSON.parse(calls[1].init.body as string)).toEqual(req);
    expect((calls[1].init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });

  it("sends no Authorization header without a token", async () => {
    const { fetch, calls } = stubFetch(json([]));
    await new HttpBackend({ token: null, fetch }).reports();
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("turns an error answer into the server's {code, message}", async () => {
    const { fetch } = stubFetch(json({ code: "unknown_name", message: "unknown report `nope`" }, 404));
    const be = new HttpBackend({ token: "tok", fetch });
    await expect(be.report({ name: "nope", range: { from: null, to: null }, bucket: null, by: null, metric: null, bin_ms: null })).rejects.toEqual({
      code: "unknown_name",
      message: "unknown report `nope`",
    });
  });

  it("turns a 401 without a JSON body into code unauthorized", async () => {
    const { fetch } = stubFetch(new Response("missing token", { status: 401 }));
    const err = await new HttpBackend({ token: null, fetch }).workspace_info().catch((e) => e);
    expect(err.code).toBe("unauthorized");
    expect(err.message).toContain("401");
    expect(err.message).toContain("missing token");
  });

  it("turns a network failure into code network", async () => {
    const { fetch } = stubFetch(new TypeError("Failed to fetch"));
    const err = await new HttpBackend({ token: "t", fetch }).workspace_info().catch((e) => e);
    expect(err).toEqual({ code: "network", message: "cannot reach Skylens: Failed to fetch" });
  });

  it("uploads a file's raw bytes to import_upload?name=", async () => {
    const answer = [{ name: "a b.json", format: "cloudwatch", records: 2, added: [["logs", 2]], skipped: [], error: null }];
    const { fetch, calls } = stubFetch(json(answer));
    const be = new HttpBackend({ token: "tok", fetch });
    const file = new File(['{"events":[]}'], "a b.json");
    expect(await be.importUpload(file)).toEqual(answer);
    expect(calls[0].url).toBe("/api/import_upload?name=a%20b.json");
    const h = calls[0].init.headers as Record<string, string>;
    expect(h["Content-Type"]).toBe("application/octet-stream");
    expect(h.Authorization).toBe("Bearer tok");
    expect(calls[0].init.body).toBe(file);
  });

  it("polls pull_status every 500 ms until the job is over", async () => {
    vi.useFakeTimers();
    const st = (state: string, done: number): PullStatus => ({
      job: 7,
      state,
      elapsed_s: done,
      phases: [{ phase: "logs", region: "eu-west-1", done, total: 3, items: done * 10, finished: state !== "running" }],
      problems: [],
      summary: null,
      error: null,
    });
    const { fetch, calls } = stubFetch(json(st("running", 1)), json(st("running", 2)), json(st("done", 3)));
    const be = new HttpBackend({ token: "tok", fetch });
    const seen: PullStatus[] = [];
    be.onPullProgress({ job: 7 }, (s) => seen.push(s));

    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((s) => s.state)).toEqual(["running"]);
    await vi.advanceTimersByTimeAsync(PULL_POLL_MS);
    expect(seen.length).toBe(2);
    await vi.advanceTimersByTimeAsync(PULL_POLL_MS);
    expect(seen.map((s) => s.state)).toEqual(["running", "running", "done"]);
    await vi.advanceTimersByTimeAsync(PULL_POLL_MS * 4);
    expect(calls.length).toBe(3); // stopped once done
    expect(calls.every((c) => c.url === "/api/pull_status" && JSON.parse(c.init.body as string).job === 7)).toBe(true);
  });

  it("stops polling when unsubscribed", async () => {
    vi.useFakeTimers();
    const running = { job: 1, state: "running", elapsed_s: 0, phases: [], problems: [], summary: null, error: null };
    const { fetch, calls } = stubFetch(json(running), json(running), json(running));
    const stop = new HttpBackend({ token: "t", fetch }).onPullProgress({ job: 1 }, () => {});
    await vi.advanceTimersByTimeAsync(0);
    stop();
    await vi.advanceTimersByTimeAsync(PULL_POLL_MS * 3);
    expect(calls.length).toBe(1);
  });
});

describe("toWireError / inTauri", () => {
  it("keeps WireErrors and wraps anything else", () => {
    expect(toWireError({ code: "io", message: "disk full" })).toEqual({ code: "io", message: "disk full" });
    expect(toWireError(new Error("boom"))).toEqual({ code: "client", message: "boom" });
    expect(toWireError("plain")).toEqual({ code: "client", message: "plain" });
  });

  it("detects the Tauri window by __TAURI_INTERNALS__", () => {
    expect(inTauri({})).toBe(false);
    expect(inTauri({ __TAURI_INTERNALS__: {} })).toBe(true);
    expect(inTauri()).toBe(false);
  });
});
