;; Checks that it starts in the state a new instance has, then changes all of that state, so that a
;; run in a used instance that was not reset exits 1. Then it does what its first stdin byte asks:
;;   g  grow memory by a page     t  trap after the changes     e  proc_exit(0)
;;   l  loop 2^31 times (long enough to be interrupted), then return
;; and otherwise returns from _start. Its start function (run by each new instance, calling
;; nothing) sets part of that state, which a reset must keep as the start function left it.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "\07\00\00\00")
  (global $g32 (mut i32) (i32.const 4))
  (global $g64 (mut i64) (i64.const 6))
  (global $gf (mut f64) (f64.const 1.5))
  (global $gref (mut funcref) (ref.null func))
  (elem declare func $probe)

  (func $init
    (global.set $g32 (i32.add (global.get $g32) (i32.const 1)))
    (i32.store (i32.const 1032) (i32.const 9)))
  (start $init)

  (func $probe (export "probe") (result i32)
    (i32.or
      (i32.or
        (i32.or (i32.or (i32.ne (i32.load (i32.const 1024)) (i32.const 7))
                        (i32.ne (i32.load (i32.const 1032)) (i32.const 9)))
                (i32.ne (i32.load (i32.const 4000)) (i32.const 0)))
        (i32.or (i32.ne (i32.load (i32.const 65532)) (i32.const 0))
                (i32.ne (global.get $g32) (i32.const 5))))
      (i32.or
        (i32.or (i64.ne (global.get $g64) (i64.const 6))
                (f64.ne (global.get $gf) (f64.const 1.5)))
        (i32.eqz (ref.is_null (global.get $gref))))))

  (func (export "_start")
    (local $i i32)
    (if (call $probe) (then (call $exit (i32.const 1))))
    (i32.store (i32.const 1024) (i32.const 8))
    (i32.store (i32.const 1032) (i32.const 10))
    (i32.store (i32.const 4000) (i32.const 0xdeadbeef))
    (i32.store (i32.const 65532) (i32.const 0xdeadbeef))
    (global.set $g32 (i32.const 50))
    (global.set $g64 (i64.const 60))
    (global.set $gf (f64.const 2.5))
    (global.set $gref (ref.func $probe))
    ;; one byte of stdin to 2000: iovec at 2008, count read to 2016
    (i32.store (i32.const 2008) (i32.const 2000))
    (i32.store (i32.const 2012) (i32.const 1))
    (drop (call $fd_read (i32.const 0) (i32.const 2008) (i32.const 1) (i32.const 2016)))
    (if (i32.eqz (i32.load (i32.const 2016))) (then (return)))
    (block $done
      (br_if $done (i32.ne (i32.load8_u (i32.const 2000)) (i32.const 0x67)))
      (drop (memory.grow (i32.const 1))))
    (if (i32.eq (i32.load8_u (i32.const 2000)) (i32.const 0x74)) (then unreachable))
    (if (i32.eq (i32.load8_u (i32.const 2000)) (i32.const 0x65)) (then (call $exit (i32.const 0))))
    (if (i32.eq (i32.load8_u (i32.const 2000)) (i32.const 0x6c))
      (then (loop $spin
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $spin (i32.gt_s (local.get $i) (i32.const 0))))))))
