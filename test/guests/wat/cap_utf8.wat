;; Passes bytes that are not UTF-8 (ff fe) as a store name and a variable name (INVALID, 5) and
;; as a log message (accepted, 0). Exits with 100 × kv_open + 10 × var_get + log: 550.
(module
  (import "waft" "kv_open" (func $kv_open (param i32 i32 i32) (result i32)))
  (import "waft" "var_get" (func $var_get (param i32 i32 i32 i32) (result i32)))
  (import "waft" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\ff\fe")
  (func (export "_start")
    (call $exit
      (i32.add
        (i32.add
          (i32.mul (call $kv_open (i32.const 16) (i32.const 2) (i32.const 100)) (i32.const 100))
          (i32.mul (call $var_get (i32.const 16) (i32.const 2) (i32.const 100) (i32.const 104)) (i32.const 10)))
        (call $log (i32.const 2) (i32.const 16) (i32.const 2))))))
