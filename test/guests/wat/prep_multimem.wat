;; Two defined memories: memory 0 moves to the imports, memory 1 must keep working.
;; (wabt 1.0.39 drops the memory index of active data segments for memory 1, so memory 1 is
;; filled from a passive segment by the start function.)
(module
  (memory $a (export "a") 1 2)
  (memory $b (export "b") 1)
  (data (memory $a) (i32.const 8) "AAAA")
  (data $for_b "BBBB")
  (func $init (memory.init $b $for_b (i32.const 8) (i32.const 0) (i32.const 4)))
  (start $init)
  (func (export "read_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
  (func (export "read_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "copy_b_to_a") (memory.copy $a $b (i32.const 100) (i32.const 8) (i32.const 4)))
  (func (export "size_b") (result i32) (memory.size $b)))
