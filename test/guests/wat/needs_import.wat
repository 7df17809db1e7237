;; Imports a function nothing provides.
(module
  (import "nowhere" "anything" (func $f))
  (func (export "_start") (call $f)))
