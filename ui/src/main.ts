// Entry point: pick the backend (Tauri window or `skylens serve`), take the URL token, start
// the hash router and mount the app.

import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { createBackend } from "./api/backend";
import { refreshInfo, setBackend } from "./lib/app.svelte";
import { startRouter } from "./lib/router.svelte";

setBackend(createBackend()); // first: it removes `#token=…` from the address bar
startRouter();
void refreshInfo();

const app = mount(App, { target: document.getElementById("app")! });

export default app;
