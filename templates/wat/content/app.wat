;; A WAGI handler in WebAssembly text: it writes a CGI reply (a header, an empty line, a body)
;; to stdout with fd_write, then copies the request body from stdin (fd_read) after it.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32) (param $nwritten i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param $fd i32) (param $iovs i32) (param $iovs_len i32) (param $nread i32) (result i32)))

  ;; 0..8: an iovec {ptr, len}; 8..12: a count; 1024..: the reply's start, ended by a NUL byte;
  ;; 4096..: a read buffer.
  (memory (export "memory") 1)
  (data (i32.const 1024) "Content-Type: text/plain; charset=utf-8\n\nHello from {{app-name}}! (WebAssembly text)\n\00")

  ;; The length of the NUL-terminated string at ptr.
  (func $strlen (param $ptr i32) (result i32)
    (local $end i32)
    (local.set $end (local.get $ptr))
    (loop $scan
      (if (i32.load8_u (local.get $end))
        (then
          (local.set $end (i32.add (local.get $end) (i32.const 1)))
          (br $scan))))
    (i32.sub (local.get $end) (local.get $ptr)))

  ;; Writes len bytes at ptr to stdout (fd 1), looping over short writes.
  (func $write (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (br_if $done (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))

  (func (export "_start")
    (call $write (i32.const 1024) (call $strlen (i32.const 1024)))
    ;; Echo stdin (the request body) until fd_read reports the end (0 bytes) or an error.
    (block $eof
      (loop $next
        (i32.store (i32.const 0) (i32.const 4096))
        (i32.store (i32.const 4) (i32.const 4096))
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (call $write (i32.const 4096) (i32.load (i32.const 8)))
        (br $next))))
)
