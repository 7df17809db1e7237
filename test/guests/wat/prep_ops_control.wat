;; Tail calls and legacy exceptions (try/catch/catch_all/throw/rethrow/delegate), with loops.
(module
  (type $un (func (param i32) (result i32)))
  (tag $oops (param i32))
  (tag $other)
  (table 2 funcref)
  (elem (i32.const 0) func $countdown $identity)
  (func $identity (type $un) (local.get 0))
  ;; Counts down with return_call and return_call_indirect, so the stack never grows.
  (func $countdown (export "countdown") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1000))
      (else
        (if (result i32) (i32.and (local.get $n) (i32.const 1))
          (then (return_call $countdown (i32.sub (local.get $n) (i32.const 1))))
          (else (return_call_indirect (type $un) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0)))))))
  (func $thrower (param $v i32)
    (loop $l
      (if (i32.gt_u (local.get $v) (i32.const 100)) (then (throw $oops (local.get $v))))
      (local.set $v (i32.mul (local.get $v) (i32.const 2)))
      (br $l)))
  (func (export "exceptions") (param $v i32) (result i32)
    (local $r i32)
    (try
      (do
        (try
          (do (call $thrower (local.get $v)))
          (catch $oops
            (local.set $r)
            (loop $more
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $more (i32.and (local.get $r) (i32.const 3))))
            (rethrow 0))))
      (catch $oops (drop) (local.set $r (i32.add (local.get $r) (i32.const 1000000))))
      (catch_all (local.set $r (i32.const -1))))
    (try
      (do
        (try (do (throw $other)) (delegate 0)))
      (catch $other (local.set $r (i32.add (local.get $r) (i32.const 7)))))
    (local.get $r)))
