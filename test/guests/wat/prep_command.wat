;; A WASI command: exports _start and imports its memory from env under a custom name.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "mem" (memory 3 300))
  (table 1 funcref)
  (global (export "answer") i32 (i32.const 42))
  (func (export "_start") (call $exit (i32.const 0))))
