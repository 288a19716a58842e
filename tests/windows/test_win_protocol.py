"""The protocol suite's transport-independent tests, run against streamga.exe under wine.

These are the very test functions of tests/protocol, collected here again so
that this directory's `agent` fixture (streamga.exe on tcp-listen) serves
them: framing, parse errors and their wording, resync with 0xFF and
guest-sync-delimited, argument checks, id echo, limits, one host at a time.
Left out: tests that read Linux facts (/proc memory and fd figures, uname,
os-release, the time zone database), which have their Windows counterparts in
test_win_system.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "protocol"))

from test_protocol_errors import (  # noqa: E402,F401
    test_envelope_errors, test_top_level_number_needs_a_delimiter, test_argument_errors,
    test_failed_delimited_sync_is_not_delimited, test_parse_errors, test_extra_close_brace_after_request,
    test_top_level_bare_words_each_answered, test_accepted_inputs)
from test_protocol_resync import (  # noqa: E402,F401
    test_ff_discards_partial_message_silently, test_ff_in_separate_writes, test_ff_after_garbage,
    test_lexical_error_then_request_gives_one_error, test_one_error_per_garbage_run,
    test_each_garbage_run_reports_once, test_random_blob_then_resync,
    test_random_blobs_without_ff_then_resync, test_new_connection_starts_clean,
    test_new_connection_after_paused_reader)
from test_protocol_commands import (  # noqa: E402,F401
    test_ping_reply_bytes, test_id_is_echoed_for_any_json_type, test_guest_sync_returns_id,
    test_guest_sync_delimited_starts_with_ff, test_time_is_now)
from test_protocol_connections import (  # noqa: E402,F401
    test_second_client_waits_for_the_first, test_queue_of_waiting_clients_served_in_turn)
from test_protocol_limits import (  # noqa: E402,F401
    test_nesting_depth_limit, test_nesting_depth_limit_mixed_containers, test_token_count_limit,
    test_token_count_at_the_limit_is_parsed, test_token_count_brief_example)
