;; A hostile guest that asks for the interrupt memory, to clear its own flag or set others'.
(module
  (import "waft:sandbox" "interrupt" (memory $flags 1 1 shared))
  (func (export "clear_all") (memory.fill $flags (i32.const 0) (i32.const 0) (i32.const 65536))))
