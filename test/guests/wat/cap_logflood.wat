;; Logs 60000-byte messages (each cut to 16 KiB) a thousand times: past max_output it is stopped.
(module
  (import "waft" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start") (local $i i32)
    (loop $more
      (drop (call $log (i32.const 2) (i32.const 0) (i32.const 60000)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 1000))))))
