# SPDX-License-Identifier: MIT
"""The engine-free pieces of a split run (libtier._parts, docs/distributed.md): blobs that
travel (models, policies) and their checks, the population figures' text through the C library,
and the driver's arithmetic against the library's own (RFM cut points, cap limits)."""

import pickle
import unittest

import _support  # noqa: F401  (sets up the import path)

import libtier
from libtier import Book, Result, TierError, _ffi
from libtier._parts import (Blob, PolicySource, cap_limit, model_blob, model_from_blob,
                            rfm_cuts, rfm_ranks)
from libtier.models import RFM


HOSTILE = ["a%b", "t\tx", "n\nl", "\u00e9t\u00e9", "q\"", "%25", "d\x7f"]


def small_book():
    book = Book()
    for i in range(40):
        name = HOSTILE[i] if i < len(HOSTILE) else "c%02d" % i
        for k in range(1 + i % 5):
            book.add_txn(name, 20240101 + (i * 7 + k * 3) % 27, 10.0 + (i * 37 % 11) + k)
    return book


def figures_from(inputs: bytes) -> bytes:
    """The figures of one part's inputs (the whole book): the exact Pareto ends and caps."""
    from libtier._parts import cap_limit, reaches
    lines = inputs.split(b"\n")
    out = [b"libtier-population 1"]
    i = 1
    while lines[i] != b"end":
        head = lines[i].split(b"\t")
        n = int(head[-1])
        rows = [ln.split(b"\t") for ln in lines[i + 1:i + 1 + n]]
        i += 1 + n
        if head[0] == b"abc":
            total = sum(int(r[1]) for r in rows)
            fields = [b"abc", head[1]]
            for t6 in (int(head[2]), int(head[3])):
                cum = 0
                for r in rows:
                    cum += int(r[1])
                    if reaches(cum, total, t6):
                        fields += [b"1", r[0], r[2]]
                        break
            out.append(b"\t".join(fields))
        else:
            limit = cap_limit(head[2] == b"count", float(head[3]), int(head[4]))
            if limit == 0 or n <= limit:
                out.append(b"cap\t%s\t%d\t\t" % (head[1], 3 if limit == 0 else 1))
            else:
                out.append(b"cap\t%s\t2\t%s\t%s" % (head[1], rows[limit - 1][0],
                                                      rows[limit - 1][1]))
    return b"\n".join(out + [b"end\n"])


class BlobTest(unittest.TestCase):
    def fitted(self):
        book = small_book()
        model = RFM(as_of="2024-02-01")
        model.fit(book)
        return book, model

    def test_a_model_travels_and_scores_the_same(self):
        book, model = self.fitted()
        data = model_blob(model)
        back = model_from_blob(data)
        self.assertEqual(back.save(), model.save())
        for dim in "rfm":
            self.assertEqual(back.cut_points(dim), model.cut_points(dim))

    def test_every_truncation_and_bit_flip_is_a_clear_error(self):
        _, model = self.fitted()
        data = model_blob(model)
        for n in range(len(data)):
            with self.assertRaises(TierError) as cm:
                model_from_blob(data[:n])
            self.assertEqual(cm.exception.status, _ffi.ECORRUPT)
        step = max(1, len(data) // 97)
        for at in list(range(0, 16)) + list(range(16, len(data), step)):
            for bit in range(8):
                bad = bytearray(data)
                bad[at] ^= 1 << bit
                with self.assertRaises(TierError, msg="byte %d bit %d" % (at, bit)) as cm:
                    model_from_blob(bytes(bad))
                self.assertEqual(cm.exception.status, _ffi.ECORRUPT)
        with self.assertRaises(TierError):
            Blob.unpack(data, "policy")  # another kind
        with self.assertRaises(TypeError):
            Blob.unpack("text", "model")  # type: ignore[arg-type]

    def test_a_policy_pickles_as_its_text(self):
        source = PolicySource("b2b-sabc")
        back = pickle.loads(pickle.dumps(source))
        self.assertEqual((back.text, back.origin), (source.text, "b2b-sabc"))
        with back.load() as policy:
            self.assertEqual(policy.name, "b2b-sabc")
        data = bytearray(source.to_bytes())
        data[-1] ^= 0x20
        with self.assertRaises(TierError):
            PolicySource.from_bytes(bytes(data))


class PopulationTextTest(unittest.TestCase):
    def run_with(self, figures):
        book = small_book()
        result = Result()
        _ffi.F.tier_result_set_population(result._p, figures, len(figures))
        result.run(book, [RFM()], "b2b-sabc")
        return result

    def test_bad_figures_name_the_line(self):
        result = Result()
        cases = [b"", b"libtier-population 2\nend\n", b"libtier-population 1\n",
                 b"libtier-population 1\nabc\tx\nend\n",
                 b"libtier-population 1\ncap\t0\t2\t12\tid\nend\n",
                 b"libtier-population 1\ncap\t0\t2\t00000000000000zz\tid\nend\n",
                 b"libtier-population 1\ncap\t0\t0\t\t\nend\n",
                 b"libtier-population 1\nabc\tk\t1\t0000000000000001\ta%4\t0\t\t\nend\n",
                 b"libtier-population 1\nend\nmore\n"]
        for text in cases:
            with self.assertRaises(TierError, msg=text) as cm:
                _ffi.F.tier_result_set_population(result._p, text, len(text))
            self.assertEqual(cm.exception.status, _ffi.EPARSE)
            self.assertIn("population figures, line", cm.exception.message)

    def test_hostile_ids_travel_escaped_and_come_back(self):
        import ctypes
        policy = libtier.Policy.builtin_text("b2b-sabc").replace("cap 15%", "cap 10%")
        book = small_book()
        plain = libtier.run(book, [RFM()], libtier.Policy.from_string(policy))
        first = Result()
        empty = b"libtier-population 1\nend\n"
        _ffi.F.tier_result_set_population(first._p, empty, len(empty))
        first.run(book, [RFM()], libtier.Policy.from_string(policy))
        with _ffi.Text() as text:
            _ffi.F.tier_result_population(first._p, text.ptr)
            raw = ctypes.string_at(_ffi.F.tier_text_data(text.ptr),
                                   _ffi.F.tier_text_length(text.ptr))
        for escaped in (b"a%25b", b"t%09x", b"n%0Al", b"%2525", b"d%7F"):
            self.assertIn(b"\t" + escaped + b"\n", raw)
        self.assertIn("\u00e9t\u00e9".encode(), raw)
        figures = figures_from(raw)
        self.assertIn(b"\ncap\t0\t2\t", figures)
        again = Result()
        _ffi.F.tier_result_set_population(again._p, figures, len(figures))
        again.run(book, [RFM()], libtier.Policy.from_string(policy))
        self.assertEqual(again.tiers, plain.tiers)
        self.assertEqual(again.reasons, plain.reasons)

    def test_figures_from_the_gathered_inputs_give_the_same_run(self):
        book = small_book()
        plain = libtier.run(book, [RFM()], "b2b-sabc")
        first = self.run_with(b"libtier-population 1\nend\n")
        with _ffi.Text() as text:
            _ffi.F.tier_result_population(first._p, text.ptr)
            inputs = text.value()
        self.assertTrue(inputs.startswith("libtier-population-inputs 1\nabc\t"), inputs[:80])
        self.assertEqual(first.tiers, plain.tiers)
        # Every customer in class A: the end rows are the last ones.
        lines = inputs.split("\n")
        figures = ["libtier-population 1"]
        i = 1
        while lines[i] != "end":
            head = lines[i].split("\t")
            n = int(head[-1])
            rows = [ln.split("\t") for ln in lines[i + 1:i + 1 + n]]
            i += 1 + n
            if head[0] == "abc":
                figures.append("\t".join(["abc", head[1], "1", rows[-1][0], rows[-1][2],
                                          "1", rows[-1][0], rows[-1][2]]))
        figures.append("end\n")
        everyone_a = self.run_with("\n".join(figures).encode())
        self.assertNotEqual(everyone_a.tiers, plain.tiers)


class ArithmeticTest(unittest.TestCase):
    def test_rfm_cuts_equal_the_model_s(self):
        book = small_book()
        for bins in (2, 3, 5, 7, 10):
            model = RFM(bins=bins, as_of="2024-02-01")
            model.fit(book)
            frame = model.score(book)
            for dim in "rfm":
                values = sorted(v for v in frame.numbers("rfm." + dim) if v == v)
                n = len(values)
                got = rfm_cuts(n, bins, {r: values[r] for r in rfm_ranks(n, bins)})
                self.assertEqual(got, model.cut_points(dim), (bins, dim))

    def test_cap_limits(self):
        self.assertEqual(cap_limit(False, 0.29, 100), 29)
        self.assertEqual(cap_limit(False, 0.15, 23570), 3535)
        self.assertEqual(cap_limit(True, 5.0, 3), 3)
        self.assertEqual(cap_limit(True, 2.0, 30), 2)
        self.assertEqual(cap_limit(False, 1.0, 7), 7)

    def test_exact_sums_of_doubles_round_once_in_any_order(self):
        """The driver's sums of doubles (exact units, rounded once) are the correctly rounded
        sums (math.fsum), split and merged in any order; and the descending order keys give
        the doubles back."""
        import math
        import random
        import struct
        from libtier._parts import desc_key_values, exact_units, round_units
        rng = random.Random(5)
        for k in range(200):
            xs = [rng.random() * 10 ** rng.randint(-300, 300) for _ in range(1 + k % 40)]
            xs += [5e-324] * (k % 3) + [0.1, 0.2]
            units = [exact_units(x) for x in xs]
            self.assertEqual(round_units(sum(units)), math.fsum(xs))
            cut = k % len(xs)
            self.assertEqual(round_units(sum(units[cut:]) + sum(units[:cut])), math.fsum(xs))
        self.assertEqual(round_units(exact_units(0.1) + exact_units(0.2)), 0.1 + 0.2)
        self.assertEqual(round_units(exact_units(1.7976931348623157e308) * 2), math.inf)
        # tier__order_key(x, 1) of a positive x: its bits with the sign set, all flipped.
        keys = [~(struct.unpack("<Q", struct.pack("<d", x))[0] | 1 << 63) & ((1 << 64) - 1)
                for x in (0.5, 3.25, 1e-300, 7e300)]
        self.assertEqual(desc_key_values(keys), [0.5, 3.25, 1e-300, 7e300])


if __name__ == "__main__":
    unittest.main()
