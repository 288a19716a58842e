"""Reply-shape comparison for the differential suite: same keys, same JSON types, recursively.

Two replies have the same shape when their objects have the same keys, every
value has the same JSON type (integer and number are different types, so are
boolean and integer) and every array holds elements of the same set of shapes.
Values themselves are not compared here: the tests compare them where the
system defines them (host name, ids, sync values ...).
"""

LEFT, RIGHT = "streamga", "qemu-ga"


def kind(value):
    """The JSON type of a decoded value, with integer and number kept apart."""
    # bool first: in Python it is a subclass of int.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError("not a decoded JSON value: %r" % (value,))


def shape(value):
    """A hashable description of a value's shape."""
    k = kind(value)
    if k == "array":
        return ("array", tuple(sorted({shape(e) for e in value}, key=repr)))
    if k == "object":
        return ("object", tuple(sorted((key, shape(v)) for key, v in value.items())))
    return k


def describe(s):
    """Shape description as compact text, for error messages."""
    if isinstance(s, str):
        return s
    if s[0] == "array":
        return "[" + " | ".join(describe(e) for e in s[1]) + "]"
    return "{" + ", ".join("%r: %s" % (k, describe(v)) for k, v in s[1]) + "}"


def differences(left, right, path="$", names=(LEFT, RIGHT)):
    """Every place where the two values' shapes differ, as readable lines (empty if none)."""
    kl, kr = kind(left), kind(right)
    if kl != kr:
        return ["%s: %s in %s, %s in %s" % (path, kl, names[0], kr, names[1])]
    out = []
    if kl == "object":
        for key in sorted(left.keys() - right.keys()):
            out.append("%s: key %r only in %s" % (path, key, names[0]))
        for key in sorted(right.keys() - left.keys()):
            out.append("%s: key %r only in %s" % (path, key, names[1]))
        for key in sorted(left.keys() & right.keys()):
            out += differences(left[key], right[key], "%s.%s" % (path, key), names)
    elif kl == "array":
        sl = {shape(e) for e in left}
        sr = {shape(e) for e in right}
        if sl != sr:
            if len(sl) == 1 and len(sr) == 1:
                # One element shape on each side: say exactly where they differ.
                out += differences(left[0], right[0], path + "[]", names)
            else:
                for s in sorted(sl - sr, key=repr):
                    out.append("%s[]: element shape %s only in %s" % (path, describe(s), names[0]))
                for s in sorted(sr - sl, key=repr):
                    out.append("%s[]: element shape %s only in %s" % (path, describe(s), names[1]))
    return out


def assert_same_shape(left, right, context="", names=(LEFT, RIGHT)):
    diffs = differences(left, right, names=names)
    if diffs:
        raise AssertionError("reply shapes differ%s:\n  %s\n%s: %r\n%s: %r" % (
            " (%s)" % context if context else "", "\n  ".join(diffs),
            names[0], left, names[1], right))


def same_json(a, b):
    """Equal as JSON values: equal and of the same shape (so 1, 1.0 and true all differ)."""
    return not differences(a, b) and a == b
