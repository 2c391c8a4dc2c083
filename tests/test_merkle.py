"""ballots/merkle.py against Certificate Transparency's published vectors, then its properties.

The vectors are those of github.com/transparency-dev/merkle, the Go reference implementation of
RFC 6962/9162 hashing (they go back to the C++ google/certificate-transparency code), copied from
its commit 417fb0c314750d94e53942e9f92e79b6d35915db:

- testonly/constants.go: LeafInputs (the eight leaves), the first level of NodeHashes (their
  leaf hashes) and RootHashes (the root of every prefix, sizes 0 to 8);
- testdata/inclusion/{0..4}/happy-path.json and testdata/consistency/{0..4}/happy-path.json:
  the inclusion and consistency proofs (cmd/proofgen/main.go's inclusionProofs and
  consistencyProofs tables, from which those files are generated);
- the proofs that must be refused: testdata/inclusion/additional/*/*.json,
  testdata/inclusion/single-entry/*.json and testdata/consistency/additional/*.json copied as
  they are, and the corruptions cmd/proofgen/main.go applies to each happy path
  (invalidInclusionProof, invalidConsistencyProof) rebuilt here the same way. Together these
  are the probes of the repository's testdata/inclusion and testdata/consistency, no more and
  no fewer (196 files, compared once with these tables).
"""
from __future__ import annotations

import hashlib
import random
import tracemalloc

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ballots import merkle

h = bytes.fromhex

# testonly/constants.go
LEAVES = [h(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                         "606162636465666768696a6b6c6d6e6f")]
LEAF_HASHES = [h(x) for x in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1")]
ROOTS = [h(x) for x in (  # by tree size, from the empty tree
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]

# testdata/inclusion/{0..4}/happy-path.json: (leaf index, tree size, proof)
INCLUSION = [
    (0, 1, []),
    (0, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
]
# testdata/consistency/{0..4}/happy-path.json: (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (6, 8, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 5, [h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (6, 7, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]

# cmd/proofgen/main.go's sha256SomeHash and sha256EmptyTreeHash
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
DATA_HASH = h("0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc")  # the leaf "data"
CARE1, CARE2 = b"don't care 1", b"don't care 2"

# testdata/inclusion/additional/*/*.json and single-entry/*.json: (index, size, leaf hash, root, valid)
INCLUSION_PROBES = [
    *[(index, size, leaf, top, False) for index, size in ((0, 0), (0, 1), (1, 0), (2, 1))
      for leaf, top in ((SOME_HASH, b""), (b"", EMPTY), (SOME_HASH, EMPTY))],
    (0, 1, DATA_HASH, DATA_HASH, True),
    (0, 1, b"", DATA_HASH, False),
    (0, 1, DATA_HASH, b"", False),
    (0, 1, b"", b"", False),
]
# testdata/consistency/additional/*.json: (first size, second size, first root, second root, proof, valid)
CONSISTENCY_PROBES = [
    (0, 0, CARE1, CARE2, [], False),
    (1, 1, CARE1, CARE2, [], False),
    (0, 0, CARE1, CARE1, [], False),
    (0, 1, CARE1, CARE2, [], False),
    (1, 1, CARE2, CARE2, [], True),
    (1, 0, CARE1, CARE2, [], False),
    (2, 1, CARE1, CARE2, [], False),
    (1, 2, CARE1, CARE2, [], False),
    (0, 0, EMPTY, CARE2, [], False),
    (1, 1, EMPTY, CARE2, [], False),
    (0, 0, EMPTY, EMPTY, [EMPTY], False),
    (1, 1, EMPTY, EMPTY, [EMPTY], False),
    (0, 1, EMPTY, CARE2, [], False),
    (0, 1, EMPTY, EMPTY, [EMPTY], False),
]

U64 = 1 << 64  # the Go generator's sizes are uint64: 0 - 1 wraps round


def _flip_first(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    return [*proof[:i], bytes([proof[i][0] ^ bit]) + proof[i][1:], *proof[i + 1:]]


def inclusion_corruptions(index, size, proof, top, leaf):
    """invalidInclusionProof of cmd/proofgen/main.go, as verify_inclusion_of_hash's arguments:
    (leaf hash, index, size, proof, root)."""
    yield from [(leaf, (index - 1) % U64, size, proof, top), (leaf, index + 1, size, proof, top),
                (leaf, index ^ 2, size, proof, top), (leaf, index, size * 2, proof, top),
                (leaf, index, size // 2, proof, top), (b"WrongLeaf", index, size, proof, top),
                (leaf, index, size, proof, EMPTY), (leaf, index, size, proof, SOME_HASH),
                (leaf, index, size, [*proof, b""], top), (leaf, index, size, [*proof, top], top),
                (leaf, index, size, [b"", *proof], top), (leaf, index, size, [top, *proof], top)]
    for i in range(len(proof)):
        yield leaf, index, size, _flip_first(proof, i, 8), top
    if proof:
        yield leaf, index, size, proof[:-1], top
    if len(proof) > 1:
        yield leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], top


def consistency_corruptions(m, n, first, second, proof):
    """invalidConsistencyProof of cmd/proofgen/main.go, as verify_consistency's arguments:
    (m, n, first root, second root, proof)."""
    yield from [((m - 1) % U64, n, first, second, proof), (m + 1, n, first, second, proof),
                (m ^ 2, n, first, second, proof), (m, n * 2, first, second, proof),
                (m, n // 2, first, second, proof), (m, n, b"WrongRoot", second, proof),
                (m, n, first, b"WrongRoot", proof), (m, n, second, first, proof), (m, n, first, second, []),
                (m, n, first, second, [*proof, b""]), (m, n, first, second, [*proof, first]),
                (m, n, first, second, [*proof, second]), (m, n, first, second, [b"", *proof]),
                (m, n, first, second, [first, *proof]), (m, n, first, second, [second, *proof]),
                (m, n, first, second, [proof[0], *proof]), (m, n, first, second, proof[:-1])]
    for i in range(len(proof)):
        yield m, n, first, second, _flip_first(proof, i, 16)


# --- the published vectors ----------------------------------------------------------------------

def test_the_leaf_hashes():
    assert [merkle.leaf_hash(leaf) for leaf in LEAVES] == LEAF_HASHES
    assert merkle.leaf_hash(b"data") == DATA_HASH


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_the_root_of_every_prefix(size):
    assert merkle.root(LEAVES[:size]) == ROOTS[size]
    assert merkle.root_of_hashes(iter(LEAF_HASHES[:size])) == ROOTS[size]


@pytest.mark.parametrize("index, size, proof", INCLUSION)
def test_the_published_inclusion_proofs(index, size, proof):
    assert merkle.inclusion_proof(LEAVES[:size], index) == proof
    assert merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])
    assert merkle.verify_inclusion_of_hash(LEAF_HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize("index, size, proof", INCLUSION)
def test_the_published_corruptions_of_an_inclusion_proof_are_refused(index, size, proof):
    probes = list(inclusion_corruptions(index, size, proof, ROOTS[size], LEAF_HASHES[index]))
    assert len(probes) >= 12
    assert [p for p in probes if merkle.verify_inclusion_of_hash(*p)] == []


@pytest.mark.parametrize("index, size, leaf, top, valid", INCLUSION_PROBES)
def test_the_published_edge_cases_of_inclusion(index, size, leaf, top, valid):
    assert merkle.verify_inclusion_of_hash(leaf, index, size, [], top) is valid


@pytest.mark.parametrize("m, n, proof", CONSISTENCY)
def test_the_published_consistency_proofs(m, n, proof):
    assert merkle.consistency_proof(LEAVES[:n], m) == proof
    assert merkle.verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


@pytest.mark.parametrize("m, n, proof", [c for c in CONSISTENCY if c[2]])
def test_the_published_corruptions_of_a_consistency_proof_are_refused(m, n, proof):
    probes = list(consistency_corruptions(m, n, ROOTS[m], ROOTS[n], proof))
    assert [p for p in probes if merkle.verify_consistency(*p)] == []


@pytest.mark.parametrize("m, n, first, second, proof, valid", CONSISTENCY_PROBES)
def test_the_published_edge_cases_of_consistency(m, n, first, second, proof, valid):
    assert merkle.verify_consistency(m, n, first, second, proof) is valid


def test_a_proof_of_what_is_not_in_the_list_is_refused():
    for index in (-1, 8, 9):
        with pytest.raises(ValueError):
            merkle.inclusion_proof(LEAVES, index)
    for m in (-1, 0, 9):
        with pytest.raises(ValueError):
            merkle.consistency_proof(LEAVES, m)


# --- properties ---------------------------------------------------------------------------------

def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162's recursive definition of MTH over leaf hashes, written out as the RFC does: an
    oracle independent of the module's stack."""
    if len(hashes) <= 1:
        return hashes[0] if hashes else hashlib.sha256(b"").digest()
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def records(size: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(1, 40)) for _ in range(size)]


def flipped(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 300), seed=st.integers(0, 2**32))
@example(size=256, seed=1)
@example(size=257, seed=2)
def test_the_root_is_the_rfcs_recursive_definition(size, seed):
    leaves = records(size, seed)
    assert merkle.root(leaves) == mth([hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves])


@settings(max_examples=20, deadline=None)
@given(size=st.integers(1, 300), seed=st.integers(0, 2**32))
@example(size=1, seed=0)
@example(size=256, seed=1)
@example(size=257, seed=2)
def test_every_inclusion_proof_verifies_and_a_flipped_byte_fails(size, seed):
    leaves, rng = records(size, seed), random.Random(seed)
    top = merkle.root(leaves)
    for index, leaf in enumerate(leaves):
        proof = merkle.inclusion_proof(leaves, index)
        assert merkle.verify_inclusion(leaf, index, size, proof, top)
        assert not merkle.verify_inclusion(flipped(leaf, rng), index, size, proof, top)
        assert not merkle.verify_inclusion(leaf, index, size, proof, flipped(top, rng))
        for i in range(len(proof)):
            wrong = [*proof[:i], flipped(proof[i], rng), *proof[i + 1:]]
            assert not merkle.verify_inclusion(leaf, index, size, wrong, top)


@settings(max_examples=20, deadline=None)
@given(size=st.integers(1, 300), seed=st.integers(0, 2**32))
@example(size=1, seed=0)
@example(size=256, seed=1)
@example(size=257, seed=2)
def test_every_consistency_proof_verifies_and_a_flipped_byte_fails(size, seed):
    leaves, rng = records(size, seed), random.Random(seed)
    second = merkle.root(leaves)
    for m in range(1, size + 1):
        first, proof = merkle.root(leaves[:m]), merkle.consistency_proof(leaves, m)
        assert merkle.verify_consistency(m, size, first, second, proof)
        assert not merkle.verify_consistency(m, size, flipped(first, rng), second, proof)
        assert not merkle.verify_consistency(m, size, first, flipped(second, rng), proof)
        for i in range(len(proof)):
            wrong = [*proof[:i], flipped(proof[i], rng), *proof[i + 1:]]
            assert not merkle.verify_consistency(m, size, first, second, wrong)


def test_the_root_of_a_stream_keeps_only_a_stack_of_hashes():
    """65,536 leaf hashes held at once would take over 4 MB; the fold keeps about 17 of them."""
    hashes = (merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(1 << 16))
    tracemalloc.start()
    try:
        merkle.root_of_hashes(hashes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024
