// Preloaded by `npm test` (node --import) into the test runner and, because the runner passes its
// flags on, into the process it starts for each test file. It makes two ways in which
// --test-force-exit loses tests without a word impossible or loud:
//
// 1. Output cut off at exit. Under --test-force-exit a test file's process ends with
//    process.exit() as soon as its last test is done. Its results go to the runner through a pipe
//    on stdout, and on Linux Node writes to a pipe without blocking: what does not fit into the
//    pipe's buffer (64 KiB) waits in a queue that process.exit() throws away. When the runner is
//    slow to read (two cores, other files running), the end of a file's results is lost; the
//    process still exits with 0, so the runner reports the tests it got, and no failure. Writing
//    stdout and stderr blockingly means nothing is left queued when the process exits.
//
// 2. Tests registered after a top-level await. The process exits once the tests registered so
//    far are done; if the file is still waiting in a top-level await at that moment, the tests
//    it would have registered after it never exist. The file is marked when its top-level code
//    has finished; a test file's process that exits before that fails.
//
// Worker threads get the runner's flags too; there is nothing to do in them.
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

interface PipeHandle {
  setBlocking?(blocking: boolean): number;
}

if (isMainThread) {
  for (const stream of [process.stdout, process.stderr]) {
    // A pipe's (or socket's) handle; a file or a terminal is written synchronously already.
    const handle = (stream as unknown as { _handle?: PipeHandle })._handle;
    if (typeof handle?.setBlocking === 'function') {
      const err = handle.setBlocking(true);
      if (err !== 0) process.emitWarning(`test-process: could not make ${stream === process.stdout ? 'stdout' : 'stderr'} blocking (${err}); output may be cut off at exit`);
    }
  }

  // Only the process the runner starts for one test file (and not, say, a CLI a test spawns).
  if (process.env.NODE_TEST_CONTEXT === 'child-v8' && process.argv[1]) {
    const file = process.argv[1];
    const entry = pathToFileURL(file).href;
    const done = Symbol.for('waft.test.topLevelDone');
    registerHooks({
      load(url, context, nextLoad) {
        const result = nextLoad(url, context);
        if (url !== entry || result.source == null) return result;
        const source = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
        // Appended, so line numbers stay as they are; it runs after the last top-level await.
        return { ...result, source: `${source}\n;globalThis[Symbol.for('waft.test.topLevelDone')] = true;\n` };
      },
    });
    process.on('exit', (code) => {
      if ((globalThis as Record<symbol, unknown>)[done] === true || code !== 0) return;
      process.stderr.write(
        `${file}: the process exited while the file's top-level code was still running (waiting in a top-level await): ` +
          'the tests it registers after that point never ran. Await before the first test or describe, or inside a before() hook.\n',
      );
      process.exitCode = 1;
    });
  }
}
