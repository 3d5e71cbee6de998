"""The daemon asks glibc for two malloc arenas, unless the operator set MALLOC_ARENA_MAX."""

from __future__ import annotations

import platform

import pytest

from monitor.daemon.arenas import limit_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the arena limit is glibc's")
def test_the_limit_is_set_where_malloc_is_glibcs() -> None:
    assert limit_arenas({}) is True


def test_an_operators_malloc_arena_max_is_left_alone() -> None:
    assert limit_arenas({"MALLOC_ARENA_MAX": "8"}) is False
