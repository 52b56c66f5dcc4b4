"""`build` (model/schema.py): a plain mapping becomes a typed, checked dataclass, or one InputError line naming
the key; every parameter section is built this way. Each message is compared whole: it is what a user sees."""

from dataclasses import dataclass, field

import pytest

from bridges.model.errors import InputError
from bridges.model.ranges import MAX_EXACT_INT, UNIT
from bridges.model.schema import MAX_TEXT, build


@dataclass(frozen=True)
class Inner:
    rate: float = field(metadata=UNIT)

    def __post_init__(self):
        if self.rate == 0.5:
            raise InputError("rate: a half is refused by this toy")


@dataclass(frozen=True)
class Sample:
    count: int
    share: float
    label: str
    on: bool
    inner: Inner
    per: dict[str, float] = field(metadata={"per_group": True})
    items: list[int]
    free: dict
    maybe: float | None = None


GOOD = {"count": 2, "share": 1, "label": "x", "on": True, "inner": {"rate": 0.25},
        "per": {"receiving": 1.0, "arriving": 2}, "items": [1, 2], "free": {"a": [1]}}


def test_a_good_mapping_builds_with_its_types():
    built = build(Sample, GOOD, "sample")
    assert built == Sample(count=2, share=1.0, label="x", on=True, inner=Inner(rate=0.25),
                           per={"receiving": 1.0, "arriving": 2.0}, items=[1, 2], free={"a": [1]}, maybe=None)
    assert type(built.share) is float and type(built.per["arriving"]) is float  # ints where numbers are expected
    assert build(Sample, {**GOOD, "maybe": None}, "sample").maybe is None
    assert build(Sample, {**GOOD, "maybe": 3}, "sample").maybe == 3.0
    assert build(Sample, {**GOOD, "share": -MAX_EXACT_INT}, "sample").share == -float(MAX_EXACT_INT)  # still exact
    assert build(Sample, {**GOOD, "label": "x" * MAX_TEXT}, "sample").label == "x" * MAX_TEXT


@pytest.mark.parametrize("key, value, message", [
    ("count", 1.5, "sample.count: must be an integer, got 1.5"),
    ("count", True, "sample.count: must be an integer, got True"),
    ("share", "x", "sample.share: must be a number, got 'x'"),
    ("share", False, "sample.share: must be a number, got False"),
    ("share", 10 ** 20, "sample.share: 100000000000000000000 is far too large (must be a finite number)"),
    ("share", MAX_EXACT_INT + 1, f"sample.share: {MAX_EXACT_INT + 1} is far too large (must be a finite number)"),
    ("label", 3, "sample.label: must be a string, got 3"),
    ("label", "x" * 5000, "sample.label: 5,000 characters, more than the 4,096 a name, label or path may have"),
    ("on", 1, "sample.on: must be true or false, got 1"),
    ("inner", 3, "sample.inner: must be a mapping, got 3"),
    ("inner", {"rate": 2.0}, "sample.inner.rate: must be in [0, 1], got 2.0"),
    ("inner", {"rate": 0.5}, "sample.inner.rate: a half is refused by this toy"),
    ("inner", {"rate": 0.1, "speed": 1}, "sample.inner.speed: unknown config key"),
    ("inner", {}, "sample.inner.rate: missing value"),
    ("per", [1], "sample.per: must be a mapping, got [1]"),
    ("per", {"receiving": 1.0}, "sample.per: must give a value for exactly receiving, arriving"),
    ("per", {"receiving": 1.0, "arriving": "a"}, "sample.per.arriving: must be a number, got 'a'"),
    ("items", 3, "sample.items: must be a list, got 3"),
    ("items", [1, "a"], "sample.items[1]: must be an integer, got 'a'"),
    ("free", [1], "sample.free: must be a mapping, got [1]"),
    ("maybe", "a", "sample.maybe: must be a number, got 'a'"),
    ("count", None, "sample.count: missing value"),
])
def test_a_bad_value_is_one_line_naming_its_key(key, value, message):
    with pytest.raises(InputError) as error:
        build(Sample, {**GOOD, key: value}, "sample")
    assert str(error.value) == message


def test_a_missing_or_unknown_top_level_key_and_a_non_mapping_are_named():
    without = {key: value for key, value in GOOD.items() if key != "label"}
    for mapping, prefix, message in [(without, "sample", "sample.label: missing value"),
                                     (without, "", "label: missing value"),
                                     ({**GOOD, "extra": 1}, "", "extra: unknown config key"),
                                     (3, "", "config: must be a mapping, got 3"),
                                     ({**GOOD, "inner": {"rate": 0.5}}, "", "inner.rate: a half is refused by this toy")]:
        with pytest.raises(InputError) as error:
            build(Sample, mapping, prefix)
        assert str(error.value) == message


def test_a_field_set_by_the_code_is_no_config_key():
    """`internal` fields (Params.site) are set by the code, never read from a config file."""
    @dataclass(frozen=True)
    class WithSite:
        rate: float
        site: object = field(default=None, metadata={"internal": True})

    assert build(WithSite, {"rate": 1}, "") == WithSite(rate=1.0)
    with pytest.raises(InputError) as error:
        build(WithSite, {"rate": 1, "site": 2}, "")
    assert str(error.value) == "site: unknown config key"


def test_a_field_of_a_type_build_does_not_know_names_the_type():
    @dataclass(frozen=True)
    class Odd:
        blob: bytes

    with pytest.raises(InputError) as error:
        build(Odd, {"blob": 1}, "odd")
    assert str(error.value) == "odd.blob: must be <class 'bytes'>, got 1"
