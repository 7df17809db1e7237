;; Loops for the interrupt tests: one that never ends, and counted ones.
(module
  (import "env" "started" (func $started))
  (memory (export "memory") 1)
  ;; Tells the host it is about to spin, then loops forever.
  (func (export "spin")
    (call $started)
    (loop $forever (br $forever)))
  ;; Sums 0..n-1 with an inner loop per step, so nested loops are instrumented too.
  (func (export "count") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $acc i64)
    (block $out
      (loop $outer
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $acc (i64.add (local.get $acc) (i64.const 1)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.const 3))))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $acc))
  ;; A loop with a parameter and a result (multi-value block type).
  (func (export "halve_until_odd") (param $x i32) (result i32)
    local.get $x
    loop $l (param i32) (result i32)
      local.tee $x
      i32.const 1
      i32.and
      i32.eqz
      if
        local.get $x
        i32.const 1
        i32.shr_u
        br $l
      end
      local.get $x
    end))
