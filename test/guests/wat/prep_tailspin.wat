;; Runs forever without a loop: two functions tail-calling each other (the stack never grows).
(module
  (import "env" "started" (func $started))
  (type $v (func (param i32)))
  (table 1 funcref)
  (elem (i32.const 0) func $pong)
  (func $ping (param $n i32) (return_call_indirect (type $v) (i32.add (local.get $n) (i32.const 1)) (i32.const 0)))
  (func $pong (param $n i32) (return_call $ping (local.get $n)))
  (func (export "forever") (call $started) (call $ping (i32.const 0))))
