;; A shared memory (threads): prepare() must leave it alone and say why.
(module
  (memory (export "memory") 1 2 shared)
  (func (export "bump") (result i32) (i32.atomic.rmw.add (i32.const 0) (i32.const 1))))
