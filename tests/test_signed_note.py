"""ballots/signed_note.py against published notes, keys and checkpoints, then tampering.

Vectors, copied from:

- github.com/golang/mod (golang.org/x/mod) at commit fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db:
  sumdb/note/note_test.go — PeterNeumann's signer and verifier keys (TestNewSigner,
  TestNewVerifier, with the two refused keys of the latter), the note TestSign must produce byte
  for byte, EnochRoot's key and signature and the cases of TestOpen;
  sumdb/client_test.go — the test server's keys (testSignerKey, testVerifierKey) and the tree
  note its TestClientFork prints, signed by them;
  sumdb/tlog/note_test.go — TestFormatTree's golden tree text (the size and base64 root of
  RecordHash("hello world"), which is RFC 6962's leaf hash) and TestParseTree's refused trees.
- github.com/C2SP/C2SP at commit 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9: signed-note.md's
  example verifier key and the note it verifies, and its opening example (a text with a blank
  line in it); tlog-checkpoint.md's example checkpoint.
"""
from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots import merkle
from ballots import signed_note as sn

# sumdb/note/note_test.go
PETER_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = ("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
             "\n")
ENOCH_SIG = ("— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
             "\n")

# sumdb/client_test.go
SUMDB_SIGNER = "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk"
SUMDB = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6"
SUMDB_TREE = "go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n"
SUMDB_SIG = ("— localhost.localdev/sumdb "
             "AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2kzRLoCr4tvw9o36ucQEnhc20e4nA4Qc/wc=\n")

# sumdb/tlog/note_test.go
GO_TREE = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"

# C2SP signed-note.md and tlog-checkpoint.md
FOO = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
FOO_NOTE = ("This is an example message.\n\n— example.com/foo "
            "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
QUASIMODO_TEXT = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
QUASIMODO_NOTE = (QUASIMODO_TEXT + "\n— quasimodo.example/salvatore "
                  "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n")
SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_NOTE = (SOFA_BODY + "\n— example.com/behind-the-sofa "
             "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n")


def keys(*strings: str) -> list[sn.VerifierKey]:
    return [sn.parse_verifier_key(s) for s in strings]


# --- keys ---------------------------------------------------------------------------------------

def test_the_published_signer_key_gives_the_published_verifier_key():
    for signer, verifier in ((PETER_SIGNER, PETER), (SUMDB_SIGNER, SUMDB)):
        name, private = sn.parse_signer_key(signer)
        assert sn.signer_key(name, private) == signer
        assert sn.verifier_key(name, private.public_key()) == verifier
        key = sn.parse_verifier_key(verifier)
        assert (key.name, key.key_id.hex()) == (name, verifier.split("+")[1])
        assert sn.key_id(name, key.public_key.public_bytes_raw()) == key.key_id


def test_a_key_of_the_wrong_length_or_algorithm_is_refused():
    """TestNewVerifier's two refused keys: each has the key id its bytes would give."""
    for vkey in ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                 "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"):
        with pytest.raises(sn.MalformedKey):
            sn.parse_verifier_key(vkey)


def manglings(key: str):
    """TestNewVerifier's and TestNewSigner's: every shorter piece of the key, and the key with any
    one character moved to the next code point."""
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                yield key[i:j]
    for i in range(len(key)):
        yield key[:i] + chr(ord(key[i]) + 1) + key[i + 1:]


@pytest.mark.parametrize("key, parse", [(PETER, sn.parse_verifier_key), (PETER_SIGNER, sn.parse_signer_key)])
def test_every_mangling_of_a_key_is_refused(key, parse):
    accepted = []
    for mangled in manglings(key):
        try:
            parse(mangled)
            accepted.append(mangled)
        except sn.MalformedKey:
            pass
    assert accepted == []


@pytest.mark.parametrize("name", ["", "a+b", "two words", "tab\there", "nbsp\u00a0here"])
def test_a_key_name_with_a_space_or_a_plus_is_refused(name):
    with pytest.raises(sn.MalformedKey):
        sn.verifier_key(name, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(sn.MalformedKey):
        sn.sign(TEXT, name, Ed25519PrivateKey.generate())


# --- signing and opening the published notes ----------------------------------------------------

def test_signing_reproduces_the_published_notes_byte_for_byte():
    _, peter = sn.parse_signer_key(PETER_SIGNER)
    assert sn.sign(TEXT, "PeterNeumann", peter) == TEXT + "\n" + PETER_SIG
    _, sumdb = sn.parse_signer_key(SUMDB_SIGNER)
    assert sn.sign(SUMDB_TREE, "localhost.localdev/sumdb", sumdb) == SUMDB_TREE + "\n" + SUMDB_SIG


def test_the_published_notes_open_with_their_keys():
    assert sn.open_note(TEXT + "\n" + PETER_SIG, keys(PETER)) == TEXT
    assert sn.open_note(SUMDB_TREE + "\n" + SUMDB_SIG, keys(SUMDB)) == SUMDB_TREE
    assert sn.open_note(FOO_NOTE, keys(FOO)) == "This is an example message.\n"
    assert sn.open_note(FOO_NOTE.encode("utf-8"), keys(FOO)) == "This is an example message.\n"


def test_signatures_by_unknown_keys_are_skipped_beside_a_good_one():
    """TestOpen: Peter's key alone opens the note Enoch also signed; either key or both do."""
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert sn.open_note(note, keys(PETER)) == TEXT
    assert sn.open_note(note, keys(ENOCH)) == TEXT
    assert sn.open_note(note, keys(ENOCH, PETER)) == TEXT
    assert sn.open_note(TEXT + "\n" + ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:] + PETER_SIG, keys(PETER)) == TEXT


def test_a_note_signed_by_no_known_key_is_refused():
    for note, known in ((TEXT + "\n" + PETER_SIG + ENOCH_SIG, []), (FOO_NOTE, keys(PETER)),
                        (QUASIMODO_NOTE, keys(PETER)), (SOFA_NOTE, keys(FOO))):
        with pytest.raises(sn.UnknownKey):
            sn.open_note(note, known)


def test_the_text_may_hold_blank_lines():
    """The spec's opening example: the signatures begin after the note's last blank line."""
    key = Ed25519PrivateKey.generate()
    note = sn.sign(QUASIMODO_TEXT, "quasimodo.example/salvatore", key)
    vkey = sn.verifier_key("quasimodo.example/salvatore", key.public_key())
    assert sn.open_note(note, keys(vkey)) == QUASIMODO_TEXT


def test_two_different_keys_with_one_name_and_id_are_refused():
    peter = sn.parse_verifier_key(PETER)
    impostor = sn.VerifierKey(peter.name, peter.key_id, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(sn.MalformedKey):
        sn.open_note(TEXT + "\n" + PETER_SIG, [peter, impostor])
    assert sn.open_note(TEXT + "\n" + PETER_SIG, [peter, peter]) == TEXT


# --- tampering ----------------------------------------------------------------------------------

def test_a_changed_text_is_refused():
    for text in (TEXT.replace("problem", "Problem", 1), TEXT[:-1] + " \n", "Hi\n" + TEXT):
        with pytest.raises(sn.BadSignature):
            sn.open_note(text + "\n" + PETER_SIG, keys(PETER))
    with pytest.raises(sn.BadSignature):
        sn.open_note(SUMDB_TREE.replace("\n6\n", "\n7\n") + "\n" + SUMDB_SIG, keys(SUMDB))


@pytest.mark.parametrize("byte", [4, 5, 40, 67])
def test_a_changed_signature_byte_is_refused(byte):
    raw = bytearray(base64.b64decode(PETER_SIG.split()[2]))
    raw[byte] ^= 0x01
    with pytest.raises(sn.BadSignature):
        sn.open_note(f"{TEXT}\n— PeterNeumann {base64.b64encode(bytes(raw)).decode()}\n", keys(PETER))


def test_a_known_keys_signature_that_fails_refuses_the_note_even_beside_a_good_one():
    """TestOpen's invalid signature: four characters inserted into Peter's."""
    with pytest.raises(sn.BadSignature):
        sn.open_note(TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], keys(PETER))
    with pytest.raises(sn.BadSignature):
        sn.open_note(TEXT + "\n" + ENOCH_SIG + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], keys(PETER, ENOCH))


def test_a_wrong_key_name_or_id_is_a_signature_by_an_unknown_key():
    """TestOpen's misnamed signature and wrong key hash."""
    for line in (PETER_SIG.replace("PeterNeumann", "CarmenSandiego"), PETER_SIG.replace("x08g", "xxxx")):
        with pytest.raises(sn.UnknownKey):
            sn.open_note(TEXT + "\n" + line, keys(PETER))


@pytest.mark.parametrize("note", [
    TEXT,  # TestOpen's badMsgs, in order
    TEXT + "\n",
    TEXT + "\n" + PETER_SIG[:-1],  # no final newline
    "\x01" + TEXT + "\n" + PETER_SIG,
    b"\xff" + (TEXT + "\n" + PETER_SIG).encode("utf-8"),
    TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
    TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    TEXT + "\n" + PETER_SIG * 101,  # TestOpen's too many signatures
    TEXT + "\n" + PETER_SIG[:40] + "\n",  # a truncated signature line
    TEXT + "\n" + PETER_SIG.replace("— ", "- "),  # a hyphen for the em dash
    TEXT + "\n" + "— PeterNeumann x08g\n",  # a key id and no signature
    TEXT + "\n" + PETER_SIG.replace("JnAM=", "JnAN="),  # the same bytes in base64 that is not canonical
    TEXT.replace("\n", "\r\n") + "\n" + PETER_SIG,
    TEXT + "\n" + "\ud800" + PETER_SIG,  # a lone surrogate: no UTF-8 for it
])
def test_what_is_not_a_signed_note_is_malformed(note):
    with pytest.raises(sn.MalformedNote):
        sn.open_note(note, keys(PETER))


@pytest.mark.parametrize("text", ["", "abc", TEXT[:-1], "a\x00b\n", "tab\there\n", "\udfff\n"])
def test_sign_refuses_a_text_a_note_cannot_carry(text):
    with pytest.raises(sn.MalformedNote):
        sn.sign(text, "PeterNeumann", Ed25519PrivateKey.generate())


# --- checkpoints --------------------------------------------------------------------------------

def test_the_published_checkpoint_bodies():
    assert sn.checkpoint_body("go.sum database tree", 123456789012, merkle.leaf_hash(b"hello world")) == GO_TREE
    assert sn.parse_checkpoint(GO_TREE) == ("go.sum database tree", 123456789012, merkle.leaf_hash(b"hello world"), ())
    sofa = sn.parse_checkpoint(SOFA_BODY)
    assert (sofa.origin, sofa.size, sofa.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert sn.checkpoint_body(sofa.origin, sofa.size, sofa.root_hash) == SOFA_BODY


def test_a_signed_checkpoint_opens_and_parses():
    tree = sn.parse_checkpoint(sn.open_note(SUMDB_TREE + "\n" + SUMDB_SIG, keys(SUMDB)))
    assert tree.size == 6 and base64.b64encode(tree.root_hash) == b"wc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM="


def test_extension_lines_come_back_in_order():
    body = sn.checkpoint_body("example.com/log", 0, merkle.EMPTY_ROOT, ["ext one", "ext two"])
    assert body == "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next two\n"
    assert sn.parse_checkpoint(body) == ("example.com/log", 0, merkle.EMPTY_ROOT, ("ext one", "ext two"))


@pytest.mark.parametrize("text", [
    "not-" + GO_TREE[:-1],  # TestParseTree's bad trees (the first here without its final newline)
    "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
    "go.sum database tree\n0123\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",  # a leading zero
    "go.sum database tree\n-1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "go.sum database tree\n١٢\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",  # digits, not ASCII ones
    "go.sum database tree\n18446744073709551616\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",  # 2^64
    "go.sum database tree\n" + "9" * 5000 + "\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "go.sum database tree\n12\n",
    "\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    GO_TREE + "\n",  # an empty extension line
    "go.sum database tree\n12\nAAAA\n",  # a root of 3 bytes
])
def test_what_is_not_a_checkpoint_is_refused(text):
    with pytest.raises(sn.MalformedCheckpoint):
        sn.parse_checkpoint(text)


@pytest.mark.parametrize("origin, size, root_hash, extensions", [
    ("", 1, merkle.EMPTY_ROOT, ()), ("two\nlines", 1, merkle.EMPTY_ROOT, ()), ("log", -1, merkle.EMPTY_ROOT, ()),
    ("log", 1 << 64, merkle.EMPTY_ROOT, ()), ("log", True, merkle.EMPTY_ROOT, ()), ("log", 1, b"short", ()),
    ("log", 1, merkle.EMPTY_ROOT, ("",)), ("log", 1, merkle.EMPTY_ROOT, ("a\nb",)), ("log\x00", 1, merkle.EMPTY_ROOT, ()),
])
def test_checkpoint_body_refuses_what_parse_checkpoint_would(origin, size, root_hash, extensions):
    with pytest.raises(sn.MalformedCheckpoint):
        sn.checkpoint_body(origin, size, root_hash, extensions)
