// Flushing the last interval when the process ends without calling shutdown(). Only a collector
// in its own thread can do this fully: the main thread's last act ('exit' listeners, a signal
// listener) is synchronous, so it blocks in Atomics.wait while the collector thread, whose event
// loop still runs, reads the regions, encodes and delivers (an HTTP/WebSocket round trip
// included), up to a timeout. docs/sdk.md "Process exit" lists when this cannot happen.
//
// - process.exit(), the end of the event loop, an uncaught exception or unhandled rejection:
//   Node emits 'exit' on the main thread; the flush runs there.
// - SIGTERM / SIGINT: Node's default is to die without 'exit'. When nobody else listens for the
//   signal, this listener flushes and then re-raises the signal with the default action, so the
//   process still dies of it. When the application listens too, the signal is the application's:
//   nothing happens here, and the flush runs at the 'exit' that follows its own shutdown.

type Flusher = () => void;

const flushers = new Set<Flusher>();
const SIGNALS = ["SIGTERM", "SIGINT"] as const;

function flushAll(): void {
  for (const f of [...flushers]) {
    flushers.delete(f);
    try {
      f();
    } catch (error) {
      console.error("percore: exit flush failed:", error);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  flushAll();
  uninstall();
  process.kill(process.pid, signal);
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", flushAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", flushAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Runs `flush` (synchronously) when the process ends; the returned function cancels that. */
export function onProcessExit(flush: Flusher): () => void {
  flushers.add(flush);
  install();
  return () => {
    flushers.delete(flush);
    if (flushers.size === 0) uninstall();
  };
}
