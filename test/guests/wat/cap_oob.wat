;; Asks for a variable whose name lies outside its one page of memory: the guest traps.
(module
  (import "waft" "var_get" (func $var_get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $var_get (i32.const 65530) (i32.const 100) (i32.const 0) (i32.const 8)))))
