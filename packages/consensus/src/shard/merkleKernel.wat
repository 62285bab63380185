;; The node copies of AccountStore's state-root update, over its WebAssembly memory (all arguments are byte
;; offsets into it; index lists are little-endian u32). Nodes are 32 bytes and move as two 16-byte vectors.
;; Regenerate merkleKernelWasm.ts after editing: npm run kernel -w packages/consensus
(module
  (import "env" "memory" (memory 1))

  ;; Replaces the ascending node indices[0..count) by their distinct parents (index >> 1), in place, and
  ;; returns how many there are
  (func (export "parentsInPlace") (param $indices i32) (param $count i32) (result i32)
    (local $read i32) (local $end i32) (local $write i32) (local $parent i32) (local $last i32)
    (local.set $read (local.get $indices))
    (local.set $write (local.get $indices))
    (local.set $end (i32.add (local.get $indices) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $last (i32.const -1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $read) (local.get $end)))
        (local.set $parent (i32.shr_u (i32.load (local.get $read)) (i32.const 1)))
        (if (i32.ne (local.get $parent) (local.get $last))
          (then
            (i32.store (local.get $write) (local.get $parent))
            (local.set $write (i32.add (local.get $write) (i32.const 4)))
            (local.set $last (local.get $parent))))
        (local.set $read (i32.add (local.get $read) (i32.const 4)))
        (br $next)))
    (i32.shr_u (i32.sub (local.get $write) (local.get $indices)) (i32.const 2)))

  ;; out[k] = the 64-byte child pair (nodes 2i, 2i+1) of parent i = parents[k], for k < count
  (func (export "gatherPairs")
    (param $children i32) (param $parents i32) (param $count i32) (param $out i32)
    (local $end i32) (local $from i32)
    (local.set $end (i32.add (local.get $parents) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $parents) (local.get $end)))
        (local.set $from
          (i32.add (local.get $children) (i32.shl (i32.load (local.get $parents)) (i32.const 6))))
        (v128.store offset=0 (local.get $out) (v128.load offset=0 (local.get $from)))
        (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $from)))
        (v128.store offset=32 (local.get $out) (v128.load offset=32 (local.get $from)))
        (v128.store offset=48 (local.get $out) (v128.load offset=48 (local.get $from)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $parents (i32.add (local.get $parents) (i32.const 4)))
        (br $next))))

  ;; node indices[k] of `nodes` = node k of `hashed`, for k < count
  (func (export "scatterNodes")
    (param $nodes i32) (param $indices i32) (param $count i32) (param $hashed i32)
    (local $end i32) (local $to i32)
    (local.set $end (i32.add (local.get $indices) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $indices) (local.get $end)))
        (local.set $to
          (i32.add (local.get $nodes) (i32.shl (i32.load (local.get $indices)) (i32.const 5))))
        (v128.store offset=0 (local.get $to) (v128.load offset=0 (local.get $hashed)))
        (v128.store offset=16 (local.get $to) (v128.load offset=16 (local.get $hashed)))
        (local.set $hashed (i32.add (local.get $hashed) (i32.const 32)))
        (local.set $indices (i32.add (local.get $indices) (i32.const 4)))
        (br $next))))

  ;; The SSZ chunks of account sorted[k] (36 bytes at data + 36 * sorted[k]: address 20 | balance 8 | nonce 8)
  ;; at out + 128k: address | balance, then nonce, zero-padded to 4 chunks; for k < count
  (func (export "gatherAccountChunks")
    (param $data i32) (param $sorted i32) (param $count i32) (param $out i32)
    (local $end i32) (local $from i32)
    (local.set $end (i32.add (local.get $sorted) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $sorted) (local.get $end)))
        (local.set $from
          (i32.add (local.get $data) (i32.mul (i32.load (local.get $sorted)) (i32.const 36))))
        ;; chunk 0: address (20 bytes) + 12 zero bytes
        (v128.store offset=0 (local.get $out) (v128.load offset=0 (local.get $from)))
        (i64.store offset=16 (local.get $out) (i64.load32_u offset=16 (local.get $from)))
        (i64.store offset=24 (local.get $out) (i64.const 0))
        ;; chunk 1: balance + 24 zero bytes
        (v128.store offset=32 (local.get $out) (v128.load64_zero offset=20 (local.get $from)))
        (v128.store offset=48 (local.get $out) (v128.const i64x2 0 0))
        ;; chunk 2: nonce + 24 zero bytes; chunk 3: zero
        (v128.store offset=64 (local.get $out) (v128.load64_zero offset=28 (local.get $from)))
        (v128.store offset=80 (local.get $out) (v128.const i64x2 0 0))
        (v128.store offset=96 (local.get $out) (v128.const i64x2 0 0))
        (v128.store offset=112 (local.get $out) (v128.const i64x2 0 0))
        (local.set $out (i32.add (local.get $out) (i32.const 128)))
        (local.set $sorted (i32.add (local.get $sorted) (i32.const 4)))
        (br $next))))
)
