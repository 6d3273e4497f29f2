#!/usr/bin/env node
import { banner } from './banner.js';
import { runCommand } from './commands.js';
import { ConfigError, helpText, loadConfig } from './config.js';
import { startServer, type RunningKyanite } from './kyanite.js';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * SIGTERM and SIGINT end in a graceful stop (exit 0) whenever they come. They are taken before start-up begins: a
 * supervisor or a test runner may signal at any moment, and a signal that arrives before a handler exists gets the
 * default action, which kills the process with the database open. One that arrives during start-up is kept until
 * start-up ends, then the server stops. The launcher (launch.ts) holds the signals while the bundle compiles; its
 * handlers are dropped only once these are in place, so there is no moment without one.
 */
function stopOnSignals(): { started(kyanite: RunningKyanite): boolean } {
  let running: RunningKyanite | undefined;
  let requested: string | undefined;
  const stop = (kyanite: RunningKyanite, signal: string) => {
    kyanite.app.log.info({ signal }, 'shutting down');
    kyanite.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`kyanite: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (requested) return;
    requested = signal;
    if (running) stop(running, signal);
  };
  for (const signal of STOP_SIGNALS) {
    const before = process.listeners(signal);
    process.on(signal, onSignal);
    for (const listener of before) process.removeListener(signal, listener);
  }
  return {
    /** Hands over the started server; false when a stop was asked for during start-up (it is under way). */
    started(kyanite) {
      running = kyanite;
      if (requested) stop(kyanite, requested);
      return !requested;
    },
  };
}

/** The `kyanite` command: parse flags, start, print the banner, shut down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  // First of all: a one-shot command (trust, hosts, export) signalled meanwhile finishes its work, then exits 0.
  const signals = stopOnSignals();
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  if (await runCommand(argv, (text) => process.stdout.write(text))) return;
  // Everything Kyanite writes (database, CA key) is for its user alone: files 0600, folders 0700.
  process.umask(0o077);
  const config = loadConfig(argv);
  const kyanite = await startServer(config);
  if (signals.started(kyanite)) process.stdout.write(`${banner(kyanite)}\n`);
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`kyanite: ${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
