;; Imports a function that ABI version 1 does not have: the guest fails to link.
(module
  (import "waft" "kv_teleport" (func $f (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $f))))
