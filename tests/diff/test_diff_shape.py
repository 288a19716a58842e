"""Unit tests of the reply-shape comparator, so a passing differential test means something."""
import pytest

from diffshape import assert_same_shape, differences, kind, same_json


def test_identical_values_have_the_same_shape():
    v = {"return": {"a": [1, 2], "b": {"c": None, "d": "x", "e": 1.5, "f": True}}, "id": "q"}
    assert differences(v, v) == []


def test_values_are_not_compared_only_types():
    assert differences({"return": {"host-name": "a"}, "id": 1},
                       {"return": {"host-name": "b"}, "id": 99}) == []


@pytest.mark.parametrize("left,right", [
    (1, 1.0), (1, True), (0, False), (None, {}), ("1", 1), ([], {}), (None, "null"), (1.5, "1.5"),
], ids=["int-float", "int-bool", "zero-false", "null-object", "string-int", "array-object",
        "null-string", "float-string"])
def test_different_scalar_types_differ(left, right):
    assert differences(left, right) != []
    assert differences({"id": left}, {"id": right}) == [
        "$.id: %s in streamga, %s in qemu-ga" % (kind(left), kind(right))]


def test_missing_and_extra_keys_are_reported_with_their_path():
    left = {"return": {"a": 1, "b": {"x": 1}}}
    right = {"return": {"a": 1, "b": {"y": 1}}, "id": 3}
    assert differences(left, right) == [
        "$: key 'id' only in qemu-ga",
        "$.return.b: key 'x' only in streamga",
        "$.return.b: key 'y' only in qemu-ga",
    ]


def test_nested_type_change_is_found():
    assert differences({"return": {"zone": "UTC", "offset": 0}},
                       {"return": {"zone": "UTC", "offset": "0"}}) == [
        "$.return.offset: integer in streamga, string in qemu-ga"]


def test_error_reply_differs_from_success_reply():
    diffs = differences({"return": {}}, {"error": {"class": "GenericError", "desc": "x"}})
    assert "$: key 'return' only in streamga" in diffs
    assert "$: key 'error' only in qemu-ga" in diffs


def test_arrays_compare_element_shapes_not_lengths():
    cmd = {"name": "guest-ping", "enabled": True, "success-response": True}
    assert differences({"supported_commands": [cmd] * 8},
                       {"supported_commands": [cmd] * 42}) == []


def test_array_element_with_an_extra_key_differs():
    cmd = {"name": "guest-ping", "enabled": True, "success-response": True}
    diffs = differences([cmd, cmd], [cmd, dict(cmd, extra=1)])
    assert diffs and all(d.startswith("$[]") for d in diffs)


def test_array_elements_of_one_shape_each_report_the_inner_path():
    assert differences([{"a": 1}], [{"a": "1"}, {"a": "2"}]) == [
        "$[].a: integer in streamga, string in qemu-ga"]


def test_empty_array_differs_from_non_empty():
    assert differences([], [1]) != []
    assert differences([1], []) != []


def test_array_of_mixed_shapes_must_match_as_a_set():
    assert differences([1, "a", 2], ["b", 3]) == []
    assert differences([1, "a"], [1, None]) != []


def test_assert_same_shape_raises_with_the_differences():
    with pytest.raises(AssertionError) as exc:
        assert_same_shape({"return": 1}, {"return": 1.0}, context="guest-sync")
    assert "$.return: integer in streamga, number in qemu-ga" in str(exc.value)
    assert "guest-sync" in str(exc.value)
    assert_same_shape({"return": 1}, {"return": 2})


def test_same_json_is_strict_about_types():
    assert same_json({"a": [1, "x", None]}, {"a": [1, "x", None]})
    assert not same_json(1, True)
    assert not same_json(1, 1.0)
    assert not same_json(0, -0.0)
    assert not same_json({"a": 1}, {"a": 2})
    assert not same_json([1, 2], [2, 1])
