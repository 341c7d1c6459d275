// One asynchronous backend result with its loading and error state. `run` may be called again
// (the range changed): only the latest call's outcome is kept.

import { toWireError } from "../api/backend";
import type { WireError } from "../api/types";

export class Resource<T> {
  data = $state<T | null>(null);
  error = $state<WireError | null>(null);
  loading = $state(false);
  #seq = 0;

  /** Start loading; resolves once this call has settled (whether or not it is still current). */
  async run(load: () => Promise<T>): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const d = await load();
      if (seq === this.#seq) {
        this.data = d;
        this.error = null;
      }
    } catch (e) {
      if (seq === this.#seq) {
        this.error = toWireError(e);
        this.data = null;
      }
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Forget the result (and ignore a call still running). */
  reset(): void {
    this.#seq++;
    this.data = null;
    this.error = null;
    this.loading = false;
  }
}
