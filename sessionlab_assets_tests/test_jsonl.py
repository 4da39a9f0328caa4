import json

from sessionlab_assets.ingest.jsonl import read_jsonl_bytes


def _line(obj) -> bytes:
    return json.dumps(obj).encode()


def test_two_objects_on_one_line_are_both_kept():
    data = _line({"a": 1}) + _line({"b": 2}) + b"\n" + _line({"c": 3}) + b"\n"
    result = read_jsonl_bytes(data)
    assert [obj for _, obj in result.records] == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert [line for line, _ in result.records] == [1, 1, 2]
    assert result.concatenated_lines == 1 and not result.errors


def test_truncated_last_line_is_quarantined_and_the_rest_kept():
    data = _line({"a": 1}) + b"\n" + b'{"b": "cut off in the mid'
    result = read_jsonl_bytes(data)
    assert [obj for _, obj in result.records] == [{"a": 1}]
    assert len(result.errors) == 1
    assert result.errors[0].line_no == 2 and result.errors[0].reason.startswith("truncated last line")


def test_a_broken_middle_line_is_invalid_json_not_truncation():
    data = _line({"a": 1}) + b"\n{not json\n" + _line({"c": 3}) + b"\n"
    result = read_jsonl_bytes(data)
    assert len(result.records) == 2
    assert result.errors[0].line_no == 2 and result.errors[0].reason.startswith("invalid JSON")


def test_no_trailing_newline_on_a_valid_last_line_is_fine():
    result = read_jsonl_bytes(_line({"a": 1}) + b"\n" + _line({"b": 2}))
    assert len(result.records) == 2 and not result.errors


def test_nul_bytes_are_stripped_and_nul_padding_quarantined():
    data = _line({"a": 1}) + b"\x00\x00\n" + b"\x00" * 64 + b"\n" + _line({"c": 3}) + b"\n"
    result = read_jsonl_bytes(data)
    assert [obj for _, obj in result.records] == [{"a": 1}, {"c": 3}]
    assert result.nul_stripped_lines == 2
    assert [(e.line_no, e.reason) for e in result.errors] == [(2, "line holds only NUL bytes (interrupted write)")]


def test_invalid_utf8_is_replaced_not_dropped():
    data = b'{"text": "caf\xe9"}\n'
    result = read_jsonl_bytes(data)
    assert result.records[0][1]["text"] == "caf\ufffd"
    assert result.utf8_replaced_lines == 1


def test_non_object_json_is_quarantined_with_its_type():
    result = read_jsonl_bytes(b"[1, 2]\n42\n")
    assert [e.reason for e in result.errors] == [
        "JSON value is a list, not an object",
        "JSON value is a int, not an object",
    ]


def test_multi_megabyte_line_and_base64_image_are_read():
    image = "A" * (6 * 1024 * 1024)
    record = {"type": "user", "message": {"content": [{"type": "image", "source": {"type": "base64", "data": image}}]}}
    result = read_jsonl_bytes(_line(record) + b"\n")
    assert len(result.records) == 1 and not result.errors
