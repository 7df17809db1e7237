// bench/prepare.bench.ts imports runCommand from here; the tests take it from test/support/run-wasi.ts.
export { runCommand } from '../support/run-wasi.ts';
