;; Makes buffers (var_get "g") without dropping them until the host refuses one. Exit codes:
;; 0 when exactly 4096 were made and the next was TOO_LARGE (3), and after a buf_drop one more
;; could be made; 1 when the count was wrong, 2 when the refusal was not TOO_LARGE, 3 when a
;; dropped slot could not be reused, 4 when a dropped handle could be dropped again.
(module
  (import "waft" "var_get" (func $var_get (param i32 i32 i32 i32) (result i32)))
  (import "waft" "buf_drop" (func $buf_drop (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "g")
  (func (export "_start") (local $n i32) (local $st i32)
    (block $done
      (loop $more
        (local.set $st (call $var_get (i32.const 16) (i32.const 1) (i32.const 32) (i32.const 40)))
        (br_if $done (local.get $st))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 10000)))))
    (if (i32.ne (local.get $n) (i32.const 4096)) (then (call $exit (i32.const 1))))
    (if (i32.ne (local.get $st) (i32.const 3)) (then (call $exit (i32.const 2))))
    ;; handle 1 was the first buffer made
    (drop (call $buf_drop (i32.const 1)))
    (if (i32.ne (call $buf_drop (i32.const 1)) (i32.const 7)) (then (call $exit (i32.const 4))))
    (if (call $var_get (i32.const 16) (i32.const 1) (i32.const 32) (i32.const 40)) (then (call $exit (i32.const 3))))
    (call $exit (i32.const 0))))
