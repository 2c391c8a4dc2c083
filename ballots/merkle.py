"""Certificate Transparency's Merkle tree (RFC 9162 section 2.1): one 32-byte hash of a list of
records, and the short proofs a reader checks against it without the list: that a record is in
it (inclusion) and that a later list begins with an earlier one (consistency).

    leaf  = SHA-256(0x00 ‖ record)
    node  = SHA-256(0x01 ‖ left ‖ right)
    MTH([]) = SHA-256(""); MTH([d]) = leaf(d);
    MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n

The prefixes keep a leaf from passing for a node. The hashes here are exactly CT's, so any
RFC 6962/9162 tool (and the C2SP checkpoint format, ballots/signed_note.py) can check them.
Each proof walk reads each record once (O(n) hashing) and keeps only a stack of O(log n) hashes,
so a list of a million records costs about two million SHA-256 calls and no copy of the list.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the hash of one record as a leaf of the tree."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): the hash of an inner node from its two children."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of the records (raw data items, not hashes)."""
    return root_of_hashes(leaf_hash(data) for data in leaves)


def root_of_hashes(hashes: Iterable[bytes]) -> bytes:
    """MTH of leaf hashes read once, in order (a generator will do).

    The stack holds the roots of the complete subtrees seen so far, largest first: leaf number c
    (counting from 1) closes one subtree per trailing zero bit of c. At the end the stack is MTH's
    split of the whole list into decreasing powers of two, folded from the right."""
    stack: list[bytes] = []
    count = 0
    for h in hashes:
        count += 1
        for _ in range((count & -count).bit_length() - 1):
            h = node_hash(stack.pop(), h)
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    result = stack.pop()
    while stack:
        result = node_hash(stack.pop(), result)
    return result


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where MTH divides a list of n."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    return root_of_hashes(leaf_hash(leaves[i]) for i in range(start, end))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 2.1.3.1: the roots of the sibling subtrees on the way from
    the record at `index` up to the root, nearest first. ValueError if index is not in the list.

    The siblings are disjoint parts of the list, so the walk hashes each record once."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"no record {index} in a list of {len(leaves)}")
    path = []
    start, end = 0, len(leaves)
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(_subtree_root(leaves, start + k, end))
            end = start + k
        else:
            path.append(_subtree_root(leaves, start, start + k))
            start += k
    return path[::-1]


def consistency_proof(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1: the hashes that show the list's first m records have
    the root a reader already holds for them. Empty when m is the whole list; ValueError unless
    0 < m <= n (every list extends the empty one, so there is nothing to prove for m = 0)."""
    if not 0 < m <= len(leaves):
        raise ValueError(f"no consistency proof from {m} records to {len(leaves)}")
    path = []
    start, end = 0, len(leaves)
    holds_first_root = True  # SUBPROOF's b: the reader already has this subtree's root
    while end - start != m:
        k = _split(end - start)
        if m <= k:
            path.append(_subtree_root(leaves, start + k, end))
            end = start + k
        else:
            path.append(_subtree_root(leaves, start, start + k))
            start, m, holds_first_root = start + k, m - k, False
    if not holds_first_root:
        path.append(_subtree_root(leaves, start, end))
    return path[::-1]


def _are_hashes(proof: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_BYTES for h in proof)


def _shift_to_odd(fn: int, sn: int) -> tuple[int, int]:
    """Both numbers shifted right until fn's lowest bit is set or fn is 0 (RFC 9162's loops)."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """Whether `proof` shows the record `leaf` (raw data) at `index` of a list of `size` records
    whose root is `root_hash`."""
    return verify_inclusion_of_hash(leaf_hash(leaf), index, size, proof, root_hash)


def verify_inclusion_of_hash(hash_: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 2.1.3.2's verification, step by step, given the leaf's hash. A proof too long or
    too short for (index, size) fails (the sn checks); so do hashes that are not 32 bytes, which
    the RFC leaves implicit and the reference implementation (transparency-dev/merkle) checks."""
    if not 0 <= index < size or not _are_hashes([hash_, *proof]):
        return False
    fn, sn, r = index, size - 1, hash_
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_to_odd(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(m: int, n: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows that the list of n records with root `second_root` begins with the
    m records whose root is `first_root`: RFC 9162 2.1.4.2's verification, step by step.

    The RFC's algorithm is for 0 < m < n; as in the reference implementation, m = n holds with
    an empty proof and equal roots, and m = 0 or m > n never does."""
    if not 0 < m <= n or not _are_hashes(proof):
        return False
    if m == n:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = [first_root, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_to_odd(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
