;; Exceptions with exnref (V8 refuses to mix them with try/catch in one module): try_table
;; with catch and catch_all_ref, and throw_ref.
(module
  (tag $oops (param i32))
  (func $thrower (param $v i32)
    (loop $l
      (if (i32.gt_u (local.get $v) (i32.const 100)) (then (throw $oops (local.get $v))))
      (local.set $v (i32.mul (local.get $v) (i32.const 2)))
      (br $l)))
  ;; Exceptions with exnref: try_table with catch and catch_all_ref, and throw_ref.
  (func (export "try_table") (param $v i32) (result i32)
    (block $h (result i32)
      (try_table (catch $oops $h)
        (call $thrower (local.get $v)))
      (i32.const -5)))
  (func (export "throw_ref") (param $v i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $oops $outer)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (call $thrower (local.get $v)))
          (return (i32.const -9)))
        (throw_ref))
      (i32.const -8))))
