#!/usr/bin/env node
import { banner } from './banner.js';
import { runCommand } from './commands.js';
import { ConfigError, helpText, loadConfig } from './config.js';
import { startServer } from './kyanite.js';

/** The `kyanite` command: parse flags, start, print the banner, shut down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
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
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    kyanite.app.log.info({ signal }, 'shutting down');
    kyanite.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`kyanite: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Only now: whoever reads the banner may signal at once (the build's code-cache run does), and a signal that
  // arrives before the handlers exist kills the process instead of stopping it.
  process.stdout.write(`${banner(kyanite)}\n`);
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`kyanite: ${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
