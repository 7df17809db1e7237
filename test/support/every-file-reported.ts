// A node:test reporter for `npm test` that fails the run when a test file's results did not
// arrive whole. The runner starts one process per file and reads its results from that process's
// stdout; the last thing a file's process sends is its summary. A file whose summary never came
// had the end of its results lost (see test-process.ts for how that happened under
// --test-force-exit), and the tests in that end were never reported: the run would otherwise pass
// with fewer tests and say nothing. Writes nothing when every file is whole.
import type { TestEvent } from 'node:test/reporters';

export default async function* everyFileReported(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const started = new Set<string>(); // absolute paths of the test files the runner ran
  const summarized = new Set<string>();
  for await (const event of source) {
    const data = event.data as { nesting?: number; file?: string; entryFile?: string };
    // The runner's own test for a file: at the top, and not forwarded from the file's process
    // (what is forwarded carries entryFile).
    if (event.type === 'test:enqueue' && data.nesting === 0 && data.entryFile === undefined && data.file) {
      started.add(data.file);
    } else if (event.type === 'test:summary' && data.file !== undefined) {
      summarized.add(data.entryFile ?? data.file);
    } else if (event.type === 'test:summary') {
      const missing = [...started].filter((file) => !summarized.has(file));
      if (missing.length === 0) continue;
      process.exitCode = 1;
      yield `\n✖ ${missing.length} of ${started.size} test files did not report to the end; the tests in the part that was lost never counted, so this run fails:\n`;
      for (const file of missing) yield `  ${file}\n`;
    }
  }
}
