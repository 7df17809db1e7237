;; Defined memory with active data segments, a passive segment and an exported memory.
(module
  (memory $mem (export "memory") 2 8)
  (data (i32.const 16) "hello, waft")
  (data (i32.const 1024) "\01\02\03\04\05\06\07\08")
  (data $later "passive bytes")
  ;; Sum of the bytes in [ptr, ptr+len).
  (func (export "sum") (param $ptr i32) (param $len i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  ;; Copies the passive segment to `dst`.
  (func (export "init_later") (param $dst i32)
    (memory.init $later (local.get $dst) (i32.const 0) (i32.const 13)))
  (func (export "store") (param $addr i32) (param $v i32)
    (i32.store (local.get $addr) (local.get $v)))
  (func (export "pages") (result i32) (memory.size))
  (func (export "grow") (param $n i32) (result i32) (memory.grow (local.get $n))))
