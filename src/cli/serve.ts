import { WaftError } from '../errors.ts';
import { Logger } from '../host/logger.ts';

/** The log of `waft up` and `waft server`: --log-format pretty, plain or json (by default pretty on a terminal), --quiet. */
export function serveLogger(format: string | undefined, quiet: boolean): Logger {
  if (format && !['pretty', 'plain', 'json'].includes(format)) {
    throw new WaftError('WAFT_E_USAGE', `--log-format ${format}: choose pretty, plain or json`);
  }
  const logger = Logger.auto(format);
  logger.requests = !quiet;
  return logger;
}

/**
 * Keeps a server command running until SIGINT or SIGTERM, then lets in-flight requests finish
 * for up to graceMs. A second signal stops at once. Resolves with the exit code.
 */
export function serveUntilSignal(logger: Logger, graceMs: number, inFlight: () => number, stop: (graceMs: number) => Promise<boolean>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = async (signal: string) => {
      if (stopping) {
        logger.warn(`${signal} again: stopping now`);
        process.exit(130);
      }
      stopping = true;
      logger.info(`${signal}: finishing ${inFlight()} in-flight request(s), for up to ${graceMs}ms`);
      const clean = await stop(graceMs);
      logger.info(clean ? 'Stopped.' : 'Stopped; some requests did not finish within the grace period.');
      resolve(0);
    };
    process.on('SIGINT', () => void onSignal('SIGINT'));
    process.on('SIGTERM', () => void onSignal('SIGTERM'));
  });
}
