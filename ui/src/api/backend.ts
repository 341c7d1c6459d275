// The one interface between the UI and Skylens (see /work/notes/api-contract.md): a method per
// command, plus saving files, importing and pull progress. Two implementations:
//   - HttpBackend: `skylens serve` (fetch `POST /api/<command>`, bearer token from `#token=`);
//   - TauriBackend: the desktop shell (`invoke(command, { req })`, native dialogs and drops).
// `createBackend()` picks one at startup. Every failure reaches the UI as a WireError.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type {
  AwsProfile,
  ChartImage,
  ChartInfo,
  ChartRequest,
  DemoRequest,
  ExportRequest,
  FileData,
  ImportRequest,
  ImportedFile,
  InvestigateRequest,
  Investigation,
  JobRef,
  NodeDetail,
  NodeRequest,
  Overview,
  PullRequest,
  PullStatus,
  ReportInfo,
  ReportRequest,
  ServiceMapView,
  Table,
  TimeRange,
  WireError,
  WorkspaceInfo,
} from "./types";
import { base64ToBytes } from "../lib/files";

/** A drag-and-drop of files onto the desktop window. */
export type DropEvent = { type: "enter" | "leave" } | { type: "drop"; paths: string[] };

/** Everything the UI can ask of Skylens. */
export interface Backend {
  /** Which implementation this is. */
  readonly kind: "http" | "tauri";
  /**
   * How files are imported: `upload` = the browser sends File objects (`importUpload`);
   * `paths` = the desktop picks paths natively (`pickImportPaths`, `onDropPaths`) and calls
   * `import_files`.
   */
  readonly importMode: "upload" | "paths";

  workspace_info(): Promise<WorkspaceInfo>;
  reports(): Promise<ReportInfo[]>;
  charts(): Promise<ChartInfo[]>;
  report(req: ReportRequest): Promise<Table>;
  export_report(req: ExportRequest): Promise<FileData>;
  /** A table a screen holds, as spreadsheet-safe CSV written by the backend. */
  export_table(req: Table): Promise<FileData>;
  chart(req: ChartRequest): Promise<ChartImage>;
  overview(req: TimeRange): Promise<Overview>;
  service_map(req: TimeRange): Promise<ServiceMapView>;
  node_detail(req: NodeRequest): Promise<NodeDetail>;
  investigate(req: InvestigateRequest): Promise<Investigation>;
  demo(req: DemoRequest): Promise<ImportedFile[]>;
  import_files(req: ImportRequest): Promise<ImportedFile[]>;
  aws_profiles(): Promise<AwsProfile[]>;
  pull_start(req: PullRequest): Promise<JobRef>;
  pull_status(req: JobRef): Promise<PullStatus>;
  pull_cancel(req: JobRef): Promise<PullStatus>;

  /** Hand a file to the user (browser download / native save dialog). False: cancelled. */
  saveFile(file: FileData): Promise<boolean>;
  /**
   * Follow a pull job: `cb` gets each status until the job is over (state ≠ `running`).
   * Returns a function that stops following.
   */
  onPullProgress(job: JobRef, cb: (status: PullStatus) => void, onError?: (e: WireError) => void): () => void;
  /** Upload one file's bytes for import (`upload` mode). */
  importUpload(file: File): Promise<ImportedFile[]>;
  /** Pick files with the native dialog (`paths` mode); null when cancelled. */
  pickImportPaths(): Promise<string[] | null>;
  /** Follow drops of files onto the window (`paths` mode); returns the unsubscribe function. */
  onDropPaths(cb: (ev: DropEvent) => void): () => void;
  /**
   * Desktop only (`open_workspace`): pick a workspace directory and switch to it. Null when
   * cancelled; absent where the workspace is fixed (`skylens serve --workspace`).
   */
  readonly pickWorkspace?: () => Promise<WorkspaceInfo | null>;
}

/** Any thrown value as a WireError (backend errors already are one). */
export function toWireError(e: unknown): WireError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const o = e as { code: unknown; message: unknown };
    if (typeof o.code === "string" && typeof o.message === "string") {
      return { code: o.code, message: o.message };
    }
  }
  if (e instanceof Error) return { code: "client", message: e.message };
  return { code: "client", message: typeof e === "string" ? e : JSON.stringify(e) };
}

/** Milliseconds between two `pull_status` polls. */
export const PULL_POLL_MS = 500;

// ---------------------------------------------------------------------------------------------
// HTTP

/** sessionStorage key of the API token. */
export const TOKEN_KEY = "skylens.token";

/**
 * Take the API token from the address bar (`#token=…`, as `skylens serve` prints it), keep it
 * in sessionStorage (this tab only) and remove it from the address bar and history entry.
 * Returns the token in use: the new one, else the one stored earlier, else null.
 */
export function takeToken(
  loc: Pick<Location, "hash" | "pathname" | "search"> = window.location,
  storage: Pick<Storage, "getItem" | "setItem"> = window.sessionStorage,
  hist: Pick<History, "replaceState" | "state"> = window.history,
): string | null {
  const hash = loc.hash.startsWith("#") ? loc.hash.slice(1) : loc.hash;
  const params = new URLSearchParams(hash.startsWith("/") ? "" : hash);
  const token = params.get("token");
  if (token) {
    storage.setItem(TOKEN_KEY, token);
    hist.replaceState(hist.state, "", `${loc.pathname}${loc.search}`);
    return token;
  }
  return storage.getItem(TOKEN_KEY);
}

/** `skylens serve`: JSON over `POST /api/<command>` with a bearer token. */
export class HttpBackend implements Backend {
  readonly kind = "http" as const;
  readonly importMode = "upload" as const;
  private readonly base: string;
  private readonly token: string | null;
  private readonly fetchFn: typeof fetch;

  constructor(opts: { token: string | null; base?: string; fetch?: typeof fetch }) {
    this.token = opts.token;
    this.base = opts.base ?? "/api/";
    // Bound, so a stubbed or the global fetch is called with the right `this`.
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  private headers(contentType: string): Record<string, string> {
    const h: Record<string, string> = { "Content-Type": contentType, Accept: "application/json" };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    return h;
  }

  /** POST `body` to `/api/<path>`; the JSON result, or throws a WireError. */
  private async post<T>(path: string, body: BodyInit, contentType: string): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, {
        method: "POST",
        headers: this.headers(contentType),
        body,
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (e) {
      throw { code: "network", message: `cannot reach Skylens: ${toWireError(e).message}` } satisfies WireError;
    }
    const text = await res.text();
    if (!res.ok) throw httpError(res.status, res.statusText, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw { code: "bad_response", message: `${path}: the answer is not JSON` } satisfies WireError;
    }
  }

  /** Call a command: POST its argument as JSON (`{}` for argument-less commands). */
  call<T>(command: string, req?: unknown): Promise<T> {
    return this.post<T>(command, JSON.stringify(req ?? {}), "application/json");
  }

  workspace_info() { return this.call<WorkspaceInfo>("workspace_info"); }
  reports() { return this.call<ReportInfo[]>("reports"); }
  charts() { return this.call<ChartInfo[]>("charts"); }
  report(req: ReportRequest) { return this.call<Table>("report", req); }
  export_report(req: ExportRequest) { return this.call<FileData>("export_report", req); }
  export_table(req: Table) { return this.call<FileData>("export_table", req); }
  chart(req: ChartRequest) { return this.call<ChartImage>("chart", req); }
  overview(req: TimeRange) { return this.call<Overview>("overview", req); }
  service_map(req: TimeRange) { return this.call<ServiceMapView>("service_map", req); }
  node_detail(req: NodeRequest) { return this.call<NodeDetail>("node_detail", req); }
  investigate(req: InvestigateRequest) { return this.call<Investigation>("investigate", req); }
  demo(req: DemoRequest) { return this.call<ImportedFile[]>("demo", req); }
  import_files(req: ImportRequest) { return this.call<ImportedFile[]>("import_files", req); }
  aws_profiles() { return this.call<AwsProfile[]>("aws_profiles"); }
  pull_start(req: PullRequest) { return this.call<JobRef>("pull_start", req); }
  pull_status(req: JobRef) { return this.call<PullStatus>("pull_status", req); }
  pull_cancel(req: JobRef) { return this.call<PullStatus>("pull_cancel", req); }

  importUpload(file: File): Promise<ImportedFile[]> {
    return this.post<ImportedFile[]>(
      `import_upload?name=${encodeURIComponent(file.name)}`,
      file,
      "application/octet-stream",
    );
  }

  async pickImportPaths(): Promise<string[] | null> {
    throw { code: "unsupported", message: "the browser uploads files; it has no paths" } satisfies WireError;
  }

  onDropPaths(): () => void {
    return () => {};
  }

  async saveFile(file: FileData): Promise<boolean> {
    const blob = new Blob([base64ToBytes(file.base64) as BlobPart], { type: file.mime });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = file.filename;
    a.rel = "noopener";
    document.body.appendChild(a);
    a.click();
    a.remove();
    // The download has started by now; give slow browsers a moment before freeing it.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return true;
  }

  onPullProgress(job: JobRef, cb: (s: PullStatus) => void, onError?: (e: WireError) => void): () => void {
    return pollPull((j) => this.pull_status(j), job, cb, onError);
  }
}

/** A failed HTTP answer as a WireError: the server's `{code, message}` when it sent one. */
function httpError(status: number, statusText: string, body: string): WireError {
  try {
    const e = JSON.parse(body);
    if (e && typeof e.code === "string" && typeof e.message === "string") {
      return { code: e.code, message: e.message };
    }
  } catch {
    // not JSON: fall through
  }
  const code = status === 401 ? "unauthorized" : status === 403 ? "forbidden" : `http_${status}`;
  const detail = body.trim().slice(0, 300) || statusText || "request failed";
  return { code, message: `HTTP ${status}: ${detail}` };
}

/** Poll `status` every PULL_POLL_MS until the job is over or the caller stops. */
function pollPull(
  status: (j: JobRef) => Promise<PullStatus>,
  job: JobRef,
  cb: (s: PullStatus) => void,
  onError?: (e: WireError) => void,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    if (stopped) return;
    try {
      const s = await status(job);
      if (stopped) return;
      cb(s);
      if (s.state !== "running") return;
    } catch (e) {
      if (stopped) return;
      onError?.(toWireError(e));
      return;
    }
    timer = setTimeout(tick, PULL_POLL_MS);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

// ---------------------------------------------------------------------------------------------
// Tauri

/** The desktop shell: Tauri commands, native dialogs, window drops and progress events. */
export class TauriBackend implements Backend {
  readonly kind = "tauri" as const;
  readonly importMode = "paths" as const;

  /** Invoke a command; rejections (WireError objects) are normalised. */
  private async call<T>(command: string, req?: unknown): Promise<T> {
    try {
      return req === undefined ? await invoke<T>(command) : await invoke<T>(command, { req });
    } catch (e) {
      throw toWireError(e);
    }
  }

  workspace_info() { return this.call<WorkspaceInfo>("workspace_info"); }
  reports() { return this.call<ReportInfo[]>("reports"); }
  charts() { return this.call<ChartInfo[]>("charts"); }
  report(req: ReportRequest) { return this.call<Table>("report", req); }
  export_report(req: ExportRequest) { return this.call<FileData>("export_report", req); }
  export_table(req: Table) { return this.call<FileData>("export_table", req); }
  chart(req: ChartRequest) { return this.call<ChartImage>("chart", req); }
  overview(req: TimeRange) { return this.call<Overview>("overview", req); }
  service_map(req: TimeRange) { return this.call<ServiceMapView>("service_map", req); }
  node_detail(req: NodeRequest) { return this.call<NodeDetail>("node_detail", req); }
  investigate(req: InvestigateRequest) { return this.call<Investigation>("investigate", req); }
  demo(req: DemoRequest) { return this.call<ImportedFile[]>("demo", req); }
  import_files(req: ImportRequest) { return this.call<ImportedFile[]>("import_files", req); }
  aws_profiles() { return this.call<AwsProfile[]>("aws_profiles"); }
  pull_start(req: PullRequest) { return this.call<JobRef>("pull_start", req); }
  pull_status(req: JobRef) { return this.call<PullStatus>("pull_status", req); }
  pull_cancel(req: JobRef) { return this.call<PullStatus>("pull_cancel", req); }

  async importUpload(): Promise<ImportedFile[]> {
    throw { code: "unsupported", message: "the desktop app imports files by path" } satisfies WireError;
  }

  async pickImportPaths(): Promise<string[] | null> {
    let picked: string[] | string | null;
    try {
      picked = await openDialog({ multiple: true, directory: false, title: "Import files" });
    } catch (e) {
      throw toWireError(e);
    }
    if (picked === null) return null;
    return Array.isArray(picked) ? picked : [picked];
  }

  onDropPaths(cb: (ev: DropEvent) => void): () => void {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    getCurrentWebview()
      .onDragDropEvent((event) => {
        const p = event.payload;
        if (p.type === "enter") cb({ type: "enter" });
        else if (p.type === "leave") cb({ type: "leave" });
        else if (p.type === "drop") cb({ type: "drop", paths: p.paths });
      })
      .then((u) => (stopped ? u() : (unlisten = u)))
      .catch(() => {});
    return () => {
      stopped = true;
      unlisten?.();
    };
  }

  readonly pickWorkspace = async (): Promise<WorkspaceInfo | null> => {
    let dir: string | null;
    try {
      dir = await openDialog({ directory: true, multiple: false, title: "Open a Skylens workspace" });
    } catch (e) {
      throw toWireError(e);
    }
    if (dir === null) return null;
    return this.call<WorkspaceInfo>("open_workspace", { path: dir });
  };

  async saveFile(file: FileData): Promise<boolean> {
    const ext = /\.([A-Za-z0-9]+)$/.exec(file.filename)?.[1];
    let path: string | null;
    try {
      path = await saveDialog({
        defaultPath: file.filename,
        filters: ext ? [{ name: ext.toUpperCase(), extensions: [ext] }] : undefined,
      });
    } catch (e) {
      throw toWireError(e);
    }
    if (path === null) return false;
    await this.call<void>("save_file", { path, base64: file.base64 });
    return true;
  }

  onPullProgress(job: JobRef, cb: (s: PullStatus) => void, onError?: (e: WireError) => void): () => void {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    const deliver = (s: PullStatus) => {
      if (stopped || s.job !== job.job) return;
      cb(s);
      if (s.state !== "running") stop();
    };
    const stop = () => {
      stopped = true;
      unlisten?.();
    };
    listen<PullStatus>("pull-progress", (e) => deliver(e.payload))
      .then((u) => {
        if (stopped) u();
        else unlisten = u;
        // The current state, in case events were sent before we listened.
        return this.pull_status(job).then(deliver);
      })
      .catch((e) => {
        if (!stopped) onError?.(toWireError(e));
      });
    return stop;
  }
}

// ---------------------------------------------------------------------------------------------

/** Whether the page runs inside the Tauri desktop window. */
export function inTauri(w: object = window): boolean {
  return "__TAURI_INTERNALS__" in w;
}

/** The backend for where the page runs (call once, at startup: it takes the URL token). */
export function createBackend(): Backend {
  return inTauri() ? new TauriBackend() : new HttpBackend({ token: takeToken() });
}
