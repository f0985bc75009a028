import type { Registry } from "@rune/mrs-core";

/** How long one probe result is reused: health checks every few ms must not hammer the store. */
const PROBE_EVERY_MS = 1_000;
/** A store that does not answer within this is lost, as far as health goes. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Readiness for `GET /healthz`: the registry is ready (session open, discovery run) and its
 * store answers now. `registry.ready` alone only changes on the registry's own store calls,
 * so a store lost while nobody writes would go unnoticed; once the registry has been ready,
 * each probe reads the store again (`reload`, which also catches up with other writers).
 * Before that, nothing is read: a registry still discovering must stay 503.
 */
export function healthProbe(registry: Registry): () => Promise<boolean> {
  let started = false;
  let last: { at: number; ready: boolean } | null = null;
  let running: Promise<boolean> | null = null;

  const probe = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      const reloaded = registry.reload().then(
        () => true,
        () => false,
      );
      return (await Promise.race([reloaded, timeout])) && registry.ready;
    } finally {
      clearTimeout(timer);
    }
  };

  return async () => {
    if (registry.ready) started = true;
    if (!started) return false;
    const now = Date.now();
    // A fresh "ready" never hides a failure the registry saw since.
    if (last !== null && now - last.at < PROBE_EVERY_MS) return last.ready && registry.ready;
    running ??= probe().then((ready) => {
      last = { at: Date.now(), ready };
      running = null;
      return ready;
    });
    return running;
  };
}
