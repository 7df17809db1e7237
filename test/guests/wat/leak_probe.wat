;; Exits 1 if memory it is about to write is not zero (state left by an earlier run), else writes it and exits 0.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.ne (i32.load (i32.const 4000)) (i32.const 0)) (then (call $exit (i32.const 1))))
    (if (i32.ne (i32.load (i32.const 65532)) (i32.const 0)) (then (call $exit (i32.const 1))))
    (i32.store (i32.const 4000) (i32.const 0xdeadbeef))
    (i32.store (i32.const 65532) (i32.const 0xdeadbeef))
    (call $exit (i32.const 0))))
