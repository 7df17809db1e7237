;; Imports its memory as env.memory and writes through it.
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "memory" (memory 1 4))
  (data (i32.const 0) "imported")
  (func (export "first_byte") (result i32) (i32.load8_u (i32.const 0)))
  (func (export "put") (param $addr i32) (param $v i32)
    (i32.store8 (local.get $addr) (local.get $v))
    (call $log (local.get $v)))
  (func (export "pages") (result i32) (memory.size)))
