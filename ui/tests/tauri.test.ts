// TauriBackend against Tauri's IPC mock: commands are invoked with `{ req }`, rejections become
// WireErrors, saving goes through the dialog plugin then `save_file`, and pull progress
// arrives as `pull-progress` events.

import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, describe, expect, it } from "vitest";
import { TauriBackend } from "../src/api/backend";
import type { PullStatus } from "../src/api/types";

type Call = { cmd: string; args: unknown };

afterEach(() => clearMocks());

function record(answer: (cmd: string, args: unknown) => unknown, opts = {}): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    return answer(cmd, args);
  }, opts);
  return calls;
}

describe("TauriBackend", () => {
  it("invokes commands with { req }, and argument-less ones without", async () => {
    const calls = record((cmd) => (cmd === "report" ? { name: "latency", columns: [], kinds: [], rows: [] } : []));
    const be = new TauriBackend();
    const req = { name: "latency", range: { from: null, to: null }, bucket: null, by: null, metric: null, bin_ms: null };
    expect((await be.report(req)).name).toBe("latency");
    await be.reports();
    expect(calls[0]).toEqual({ cmd: "report", args: { req } });
    expect(calls[1].cmd).toBe("reports");
    expect(calls[1].args).toEqual({});
  });

  it("passes the backend's {code, message} rejection through", async () => {
    record(() => {
      throw { code: "not_found", message: "no such ID" };
    });
    await expect(new TauriBackend().investigate({ id: "x", correlation_keys: [] })).rejects.toEqual({
      code: "not_found",
      message: "no such ID",
    });
  });

  it("saves through the dialog plugin, then save_file", async () => {
    const calls = record((cmd) => (cmd === "plugin:dialog|save" ? "/home/me/latency.csv" : null));
    const ok = await new TauriBackend().saveFile({ filename: "latency.csv", mime: "text/csv", base64: "YSxi" });
    expect(ok).toBe(true);
    expect(calls.map((c) => c.cmd)).toEqual(["plugin:dialog|save", "save_file"]);
    expect(calls[1].args).toEqual({ req: { path: "/home/me/latency.csv", base64: "YSxi" } });
  });

  it("does not save when the dialog is cancelled", async () => {
    const calls = record(() => null);
    expect(await new TauriBackend().saveFile({ filename: "a.png", mime: "image/png", base64: "" })).toBe(false);
    expect(calls.map((c) => c.cmd)).toEqual(["plugin:dialog|save"]);
  });

  it("imports picked paths as a list", async () => {
    record((cmd) => (cmd === "plugin:dialog|open" ? ["/a.json", "/b.json"] : null));
    expect(await new TauriBackend().pickImportPaths()).toEqual(["/a.json", "/b.json"]);
  });

  it("follows pull-progress events for its job until the job is over", async () => {
    const st = (job: number, state: string): PullStatus => ({
      job,
      state,
      elapsed_s: 1,
      phases: [],
      problems: [],
      summary: null,
      error: null,
    });
    record((cmd) => (cmd === "pull_status" ? st(4, "running") : null), { shouldMockEvents: true });
    const seen: string[] = [];
    new TauriBackend().onPullProgress({ job: 4 }, (s) => seen.push(`${s.job}:${s.state}`));
    await new Promise((r) => setTimeout(r, 0));
    await emit("pull-progress", st(9, "running")); // another job: ignored
    await emit("pull-progress", st(4, "running"));
    await emit("pull-progress", st(4, "done"));
    await emit("pull-progress", st(4, "running")); // after done: not delivered
    expect(seen).toEqual(["4:running", "4:running", "4:done"]);
  });
});
